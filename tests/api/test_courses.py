"""Courses and rosters through HTTP on SQLite and PostgreSQL: create, correct, teachers,
add and remove students, the roster CSV import (all or nothing, every problem by line),
and bad input answered with a clear 4xx and nothing half-written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from attn.config import Settings
from attn.db.sql import repository
from attn.models import Role
from attn.runtime import Runtime
from tests.fixtures.app import Account, MakeUser, error_code
from tests.helpers.databases import BOTH_DATABASES, on_database

COURSES = "/api/v1/courses"
BIL203 = {"code": "bil203", "name": "Veri Yapıları", "term": "2026-güz"}


@pytest.fixture(params=BOTH_DATABASES)
def app_settings(request: pytest.FixtureRequest, app_settings: Settings) -> Settings:
    return on_database(request, app_settings)


@pytest.fixture
async def admin(make_user: MakeUser) -> Account:
    return await make_user(Role.ADMIN, number="A1")


@pytest.fixture
async def teacher(make_user: MakeUser) -> Account:
    return await make_user(Role.TEACHER, number="T1", name="Ayşe Yılmaz")


async def create(api: httpx.AsyncClient, admin: Account, **extra: Any) -> dict[str, Any]:
    response = await api.post(COURSES, json={**BIL203, **extra}, headers=admin.headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def roster_of(api: httpx.AsyncClient, who: Account, course: str) -> list[tuple[str, str]]:
    response = await api.get(f"{COURSES}/{course}/roster", headers=who.headers)
    assert response.status_code == 200, response.text
    return [(e["student_number"], e["full_name"]) for e in response.json()["items"]]


async def audit_actions(runtime: Runtime) -> list[str]:
    async with runtime.sessionmaker() as session:
        page = await repository.list_audit(session)
    return sorted(entry.action for entry in page.items)


class TestCourses:
    async def test_create_with_defaults_and_teachers(
        self, api: httpx.AsyncClient, runtime: Runtime, admin: Account, teacher: Account
    ) -> None:
        course = await create(api, admin, teacher_numbers=["T1"])
        assert (course["code"], course["name"], course["term"]) == (
            "BIL203",
            "Veri Yapıları",
            "2026-güz",
        )
        assert (course["late_weight_percent"], course["threshold_percent"]) == (100, 70)
        assert (course["teacher_numbers"], course["enrolled"]) == (["T1"], 0)
        got = await api.get(f"{COURSES}/{course['course_id']}", headers=teacher.headers)
        assert got.json() == course
        assert await audit_actions(runtime) == ["course_created"]

    async def test_a_taken_code_is_409_in_any_case(
        self, api: httpx.AsyncClient, runtime: Runtime, admin: Account
    ) -> None:
        await create(api, admin)
        again = await api.post(COURSES, json={**BIL203, "code": "BIL203"}, headers=admin.headers)
        assert (again.status_code, error_code(again)) == (409, "course_exists")
        assert len((await api.get(COURSES, headers=admin.headers)).json()["items"]) == 1

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            ({**BIL203, "code": "BIL 203"}, "invalid_input"),
            ({**BIL203, "name": "  "}, "invalid_input"),
            ({**BIL203, "threshold_percent": 101}, "invalid_input"),
            ({**BIL203, "late_weight_percent": -1}, "invalid_input"),
            ({**BIL203, "teacher_numbers": ["S1"]}, "not_a_teacher"),
            ({**BIL203, "teacher_numbers": ["NOBODY"]}, "not_a_teacher"),
        ],
        ids=["code", "name", "threshold", "late-weight", "student-as-teacher", "unknown-teacher"],
    )
    async def test_bad_values_are_422_and_nothing_is_written(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        make_user: MakeUser,
        admin: Account,
        body: dict[str, Any],
        code: str,
    ) -> None:
        await make_user(Role.STUDENT, number="S1", login=False)
        response = await api.post(COURSES, json=body, headers=admin.headers)
        assert (response.status_code, error_code(response)) == (422, code)
        assert (await api.get(COURSES, headers=admin.headers)).json()["items"] == []
        assert await audit_actions(runtime) == []

    async def test_update_and_teachers(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        make_user: MakeUser,
        admin: Account,
        teacher: Account,
    ) -> None:
        course = (await create(api, admin, teacher_numbers=["T1"]))["course_id"]
        await make_user(Role.TEACHER, number="T2", login=False)
        patched = await api.patch(
            f"{COURSES}/{course}", json={"threshold_percent": 80}, headers=admin.headers
        )
        assert (patched.json()["threshold_percent"], patched.json()["name"]) == (
            80,
            "Veri Yapıları",
        )
        moved = await api.put(
            f"{COURSES}/{course}/teachers", json={"teacher_numbers": ["T2"]}, headers=admin.headers
        )
        assert moved.json()["teacher_numbers"] == ["T2"]
        gone = await api.get(f"{COURSES}/{course}", headers=teacher.headers)
        assert (gone.status_code, error_code(gone)) == (403, "not_your_course")
        empty = await api.patch(f"{COURSES}/{course}", json={}, headers=admin.headers)
        assert (empty.status_code, error_code(empty)) == (422, "invalid_input")
        assert await audit_actions(runtime) == [
            "course_created",
            "course_teachers_set",
            "course_updated",
        ]


class TestRoster:
    async def test_add_and_remove_by_hand(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        make_user: MakeUser,
        admin: Account,
        teacher: Account,
    ) -> None:
        course = (await create(api, admin, teacher_numbers=["T1"]))["course_id"]
        await make_user(Role.STUDENT, number="S1", name="Çiğdem Öztürk", login=False)
        base = f"{COURSES}/{course}/roster"
        known = await api.post(
            base, json={"student_number": "S1", "full_name": "Yanlış Ad"}, headers=teacher.headers
        )
        assert (known.status_code, known.json()["full_name"]) == (201, "Çiğdem Öztürk")
        new = await api.post(
            base, json={"student_number": "S2", "full_name": "İsmail Işık"}, headers=teacher.headers
        )
        assert new.status_code == 201
        assert await roster_of(api, teacher, course) == [
            ("S1", "Çiğdem Öztürk"),
            ("S2", "İsmail Işık"),
        ]
        async with runtime.sessionmaker() as session:
            created = await repository.get_user(session, "S2")
        assert created is not None
        assert (created.role, created.password_hash) == (Role.STUDENT, None)

        again = await api.post(base, json={"student_number": "S1"}, headers=teacher.headers)
        assert (again.status_code, error_code(again)) == (409, "already_enrolled")
        nameless = await api.post(base, json={"student_number": "S3"}, headers=teacher.headers)
        assert (nameless.status_code, error_code(nameless)) == (422, "full_name_required")
        staff = await api.post(base, json={"student_number": "T1"}, headers=teacher.headers)
        assert (staff.status_code, error_code(staff)) == (422, "not_a_student")

        removed = await api.delete(f"{base}/S1", headers=teacher.headers)
        assert removed.status_code == 204
        twice = await api.delete(f"{base}/S1", headers=teacher.headers)
        assert (twice.status_code, error_code(twice)) == (404, "enrolment_not_found")
        assert await roster_of(api, teacher, course) == [("S2", "İsmail Işık")]
        back = await api.post(base, json={"student_number": "S1"}, headers=admin.headers)
        assert back.status_code == 201
        assert (await api.get(f"{COURSES}/{course}", headers=admin.headers)).json()["enrolled"] == 2


def csv_post(api: httpx.AsyncClient, who: Account, course: str, data: bytes) -> Any:
    return api.post(
        f"{COURSES}/{course}/roster/import",
        content=data,
        headers={**who.headers, "Content-Type": "text/csv"},
    )


class TestRosterImport:
    async def test_creates_unknown_students_and_never_renames_an_account(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        make_user: MakeUser,
        admin: Account,
        teacher: Account,
    ) -> None:
        course = (await create(api, admin, teacher_numbers=["T1"]))["course_id"]
        await make_user(Role.STUDENT, number="S1", name="Çiğdem Öztürk", login=False)
        data = "Öğrenci No;Ad Soyad\nS1;Cigdem Ozturk\nS2;Şükrü Gündoğdu\n\nS3;Ayşe Kaya\n"
        response = await csv_post(api, teacher, course, data.encode("cp1254"))
        assert response.status_code == 200, response.text
        result = response.json()
        assert (result["enrolled"], result["already_enrolled"], result["created"]) == (3, 0, 2)
        assert (result["created_numbers"], result["kept_names"]) == (["S2", "S3"], ["S1"])
        assert result["encoding"] == "cp1254"
        assert await roster_of(api, teacher, course) == [
            ("S1", "Çiğdem Öztürk"),
            ("S2", "Şükrü Gündoğdu"),
            ("S3", "Ayşe Kaya"),
        ]
        again = (await csv_post(api, teacher, course, data.encode("cp1254"))).json()
        assert (again["enrolled"], again["already_enrolled"], again["created"]) == (0, 3, 0)
        assert await audit_actions(runtime) == [
            "course_created",
            "roster_imported",
            "roster_imported",
        ]

    async def test_every_problem_by_line_and_nothing_written(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        admin: Account,
        teacher: Account,
    ) -> None:
        course = (await create(api, admin, teacher_numbers=["T1"]))["course_id"]
        data = (
            "S1,Ayşe Kaya\n"  # fine, but the file is refused as a whole
            "S2\n"  # 2: one column
            "bad number!,Ali\n"  # 3
            "S1,Ayşe Kaya\n"  # 4: twice in the file
            "T1,Ayşe Yılmaz\n"  # 5: a teacher's account
            "S5,\n"  # 6: no name
        )
        response = await csv_post(api, teacher, course, data.encode())
        assert (response.status_code, error_code(response)) == (422, "invalid_csv")
        problems = [(p["line"], p["code"]) for p in response.json()["error"]["details"]]
        assert problems == [
            (2, "wrong_column_count"),
            (3, "invalid_row"),
            (4, "duplicate_in_file"),
            (5, "not_a_student"),
            (6, "invalid_row"),
        ]
        assert await roster_of(api, teacher, course) == []
        async with runtime.sessionmaker() as session:
            assert await repository.get_user(session, "S1") is None
        assert await audit_actions(runtime) == ["course_created"]

    @pytest.mark.parametrize(
        ("data", "code"),
        [
            (b"", "empty_file"),
            ("S1,Ayşe\n".encode() + "Çiğdem\n".encode("cp1254"), "bad_encoding"),
            (b"numara,ad\nS1,A\n", "bad_header"),
            (b"S1,A,extra\n", "wrong_column_count"),
        ],
        ids=["empty", "mixed-encodings", "wrong-header", "three-columns"],
    )
    async def test_a_file_that_is_no_roster(
        self, api: httpx.AsyncClient, admin: Account, data: bytes, code: str
    ) -> None:
        course = (await create(api, admin))["course_id"]
        response = await csv_post(api, admin, course, data)
        assert (response.status_code, error_code(response)) == (422, "invalid_csv")
        assert [p["code"] for p in response.json()["error"]["details"]] == [code]

    async def test_a_file_of_the_wrong_type_or_size(
        self, api: httpx.AsyncClient, admin: Account
    ) -> None:
        course = (await create(api, admin))["course_id"]
        url = f"{COURSES}/{course}/roster/import"
        typed = await api.post(
            url, content=b"{}", headers={**admin.headers, "Content-Type": "application/json"}
        )
        assert (typed.status_code, error_code(typed)) == (415, "unsupported_media_type")
        huge = await csv_post(api, admin, course, b"S1,A\n" * (1024 * 1024 + 1))
        assert (huge.status_code, error_code(huge)) == (413, "payload_too_large")
