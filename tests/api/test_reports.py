"""Reports through HTTP on SQLite and PostgreSQL: the course's matrix, rates, the students
under the threshold and the counts per attendance worked out by hand for a history with a
late joiner, a student who left, a walk-in, an excuse, a missing record (absent) and a
deleted attendance; a student's report across courses; an empty course."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest

from attn.config import Settings
from attn.models import Role
from attn.models.types import utcnow
from attn.runtime import Runtime
from tests.fixtures.app import Account, MakeUser, error_code
from tests.helpers.course_reports import (
    A,
    P,
    Scenario,
    enrol,
    make_course,
    scenario,
    store_course_attendance,
)
from tests.helpers.databases import BOTH_DATABASES, on_database

COURSES = "/api/v1/courses"
DAY = timedelta(days=1)


@pytest.fixture(params=BOTH_DATABASES)
def app_settings(request: pytest.FixtureRequest, app_settings: Settings) -> Settings:
    return on_database(request, app_settings)


@pytest.fixture
async def teacher(make_user: MakeUser) -> Account:
    return await make_user(Role.TEACHER, number="T1", name="Ayşe Yılmaz")


@pytest.fixture
async def other_teacher(make_user: MakeUser) -> Account:
    return await make_user(Role.TEACHER, number="T2", name="Mehmet Kaya")


@pytest.fixture
async def history(runtime: Runtime, teacher: Account, other_teacher: Account) -> Scenario:
    return await scenario(runtime, teacher, other_teacher)


async def get_json(api: httpx.AsyncClient, path: str, who: Account) -> dict[str, Any]:
    response = await api.get(path, headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


class TestCourseReport:
    async def test_the_matrix_rates_and_counts(
        self, api: httpx.AsyncClient, teacher: Account, history: Scenario
    ) -> None:
        report = await get_json(api, f"{COURSES}/{history.course_id}/report", teacher)
        assert report["course"]["code"] == "BIL203"
        assert [a["attendance_id"] for a in report["attendances"]] == [
            str(a) for a in history.attendance_ids
        ]  # the deleted attendance and the other course's are not held here
        rows = {s["student_number"]: s for s in report["students"]}
        assert list(rows) == ["S1", "S2", "S3", "S4", "S5", "S6"]
        assert {n: r["statuses"] for n, r in rows.items()} == {
            "S1": ["present", "late", "present"],
            "S2": ["late", "excused", "rejected"],
            "S3": ["absent", "absent", "present"],  # no record in the 2nd: absent
            "S4": [None, "present", "absent"],  # enrolled after the 1st closed
            "S5": [None, "present", None],  # a walk-in, never enrolled
            "S6": ["present", None, None],  # left after the 1st
        }
        # (present + late × 50 %) / (counted − excused)
        assert {n: r["rate_percent"] for n, r in rows.items()} == {
            "S1": 83.3,  # 2.5 / 3
            "S2": 25.0,  # 0.5 / 2
            "S3": 33.3,  # 1 / 3
            "S4": 50.0,  # 1 / 2
            "S5": 100.0,
            "S6": 100.0,
        }
        assert {n: r["enrolled"] for n, r in rows.items()} == {
            "S1": True, "S2": True, "S3": True, "S4": True, "S5": False, "S6": False,
        }  # fmt: skip
        assert report["under_threshold"] == ["S2", "S3", "S4"]  # lowest rate first
        assert rows["S2"]["counts"] == {
            "present": 0, "late": 1, "excused": 1, "absent": 0, "rejected": 1, "pending": 0,
            "counted": 3,
        }  # fmt: skip
        assert rows["S3"]["full_name"] == '=HYPERLINK("http://evil")'
        assert [a["counts"] for a in report["attendances"]] == [
            {"present": 2, "late": 1, "excused": 0, "absent": 1, "rejected": 0, "pending": 0,
             "counted": 4},
            {"present": 2, "late": 1, "excused": 1, "absent": 1, "rejected": 0, "pending": 0,
             "counted": 5},
            {"present": 2, "late": 0, "excused": 0, "absent": 1, "rejected": 1, "pending": 0,
             "counted": 4},
        ]  # fmt: skip

    async def test_a_rate_exactly_at_the_threshold_is_not_under(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser, teacher: Account
    ) -> None:
        admin = await make_user(Role.ADMIN)
        start = history_start()
        course = await make_course(runtime, "FIZ100", teacher.user_number, at=start)
        await enrol(runtime, course, ["S1"], start)
        for day, status in enumerate([P] * 7 + [A] * 3, start=1):
            await store_course_attendance(
                runtime, teacher, course, start + day * DAY, [("S1", status)]
            )
        report = await get_json(api, f"{COURSES}/{course}/report", admin)
        assert report["students"][0]["rate_percent"] == 70.0
        assert report["under_threshold"] == []

    async def test_an_empty_course_is_200_with_empty_lists(
        self, api: httpx.AsyncClient, runtime: Runtime, teacher: Account
    ) -> None:
        course = await make_course(runtime, "BOS101", teacher.user_number, at=history_start())
        report = await get_json(api, f"{COURSES}/{course}/report", teacher)
        assert (report["attendances"], report["students"], report["under_threshold"]) == (
            [], [], [],
        )  # fmt: skip
        for suffix in ("report.csv", "report.csv?form=matrix", "report.xlsx"):
            response = await api.get(f"{COURSES}/{course}/{suffix}", headers=teacher.headers)
            assert response.status_code == 200, (suffix, response.text)

    async def test_an_unknown_course_is_404(self, api: httpx.AsyncClient, teacher: Account) -> None:
        response = await api.get(f"{COURSES}/{uuid4()}/report", headers=teacher.headers)
        assert (response.status_code, error_code(response)) == (404, "course_not_found")


class TestStudentReport:
    async def test_across_courses_for_the_student_and_admins(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        make_user: MakeUser,
        teacher: Account,
        other_teacher: Account,
    ) -> None:
        student = await make_user(Role.STUDENT, number="S1", name="Ayşe Çağlar")
        await scenario(runtime, teacher, other_teacher)
        admin = await make_user(Role.ADMIN)
        own = await get_json(api, "/api/v1/me/report", student)
        assert own == await get_json(api, "/api/v1/students/S1/report", student)
        assert own == await get_json(api, "/api/v1/students/S1/report", admin)
        assert own["full_name"] == "Ayşe Çağlar"
        courses = {c["course"]["code"]: c for c in own["courses"]}
        assert list(courses) == ["BIL203", "MAT101"]
        assert [lesson["status"] for lesson in courses["BIL203"]["lessons"]] == [
            "present", "late", "present",
        ]  # fmt: skip
        assert (courses["BIL203"]["rate_percent"], courses["BIL203"]["under_threshold"]) == (
            83.3, False,
        )  # fmt: skip
        assert (courses["MAT101"]["rate_percent"], courses["MAT101"]["under_threshold"]) == (
            0.0, True,
        )  # fmt: skip

    async def test_a_teacher_sees_only_the_courses_they_teach(
        self, api: httpx.AsyncClient, teacher: Account, other_teacher: Account, history: Scenario
    ) -> None:
        mine = await get_json(api, "/api/v1/students/S1/report", teacher)
        assert [c["course"]["code"] for c in mine["courses"]] == ["BIL203"]
        theirs = await get_json(api, "/api/v1/students/S1/report", other_teacher)
        assert [c["course"]["code"] for c in theirs["courses"]] == ["MAT101"]

    async def test_a_student_who_left_keeps_the_lessons_before(
        self, api: httpx.AsyncClient, teacher: Account, history: Scenario
    ) -> None:
        report = await get_json(api, "/api/v1/students/S6/report", teacher)
        [course] = report["courses"]
        assert (course["enrolled"], len(course["lessons"]), course["rate_percent"]) == (
            False, 1, 100.0,
        )  # fmt: skip


def history_start() -> datetime:
    return utcnow() - 20 * DAY
