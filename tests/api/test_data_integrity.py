"""Data integrity found by trying ATTN as users would (issue 11): the user directory is the
admins', text that cannot be stored is refused before anything is written, and the
teacher's reasons are kept on the records. Each runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
import pytest

from attn.config import Settings
from attn.db.sql import repository
from attn.db.sql.rows import UserRow
from attn.models.types import utcnow
from attn.runtime import Runtime
from tests.fixtures.app import Account, MakeUser, error_code
from tests.helpers.attendance_api import (
    audit_of,
    check_in,
    persist,
    start,
    start_and_persist,
    url,
)
from tests.helpers.databases import BOTH_DATABASES, on_database

LONE_SURROGATE = "Ay\\ud800e"
"""A JSON string escape that Python's JSON parser accepts and no store can write."""


@pytest.fixture(params=BOTH_DATABASES)
def app_settings(request: pytest.FixtureRequest, app_settings: Settings) -> Settings:
    return on_database(request, app_settings)


async def user_on_file(runtime: Runtime, number: str) -> UserRow:
    async with runtime.sessionmaker() as session:
        user = await repository.get_user(session, number)
    assert user is not None
    return user


def raw_json(body: str) -> dict[str, Any]:
    """Request arguments sending ``body`` as it is (escapes included) as JSON."""
    return {"content": body.encode(), "headers": {"Content-Type": "application/json"}}


def with_auth(arguments: dict[str, Any], account: Account) -> dict[str, Any]:
    return {**arguments, "headers": {**arguments["headers"], **account.headers}}


class TestTheDirectoryIsTheAdmins:
    async def test_a_manual_add_takes_the_name_on_file_and_never_renames(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher")
        student = await make_user("student", name="Şükrü Gündoğdu", login=False)
        aid = (await start(api, teacher))["attendance_id"]
        added = await api.put(
            url(aid, "records", student.user_number),
            json={"status": "present", "full_name": "Sukru Gundogdu (typo)"},
            headers=teacher.headers,
        )
        assert added.status_code == 201, added.text
        assert added.json()["user_full_name"] == "Şükrü Gündoğdu"
        await api.post(url(aid, "finish"), headers=teacher.headers)
        assert (await persist(runtime)).attendances == 1
        assert (await user_on_file(runtime, student.user_number)).full_name == "Şükrü Gündoğdu"

    async def test_a_known_student_is_added_by_number_alone(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher")
        student = await make_user("student", name="Çiğdem Öztürk", login=False)
        live = (await start(api, teacher))["attendance_id"]
        added = await api.put(
            url(live, "records", student.user_number),
            json={"status": "late"},
            headers=teacher.headers,
        )
        assert added.status_code == 201, added.text
        assert (added.json()["user_full_name"], added.json()["status"]) == (
            "Çiğdem Öztürk",
            "late",
        )

    async def test_an_unknown_number_needs_a_name_and_becomes_a_student(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher")
        aid = (await start(api, teacher))["attendance_id"]
        nameless = await api.put(
            url(aid, "records", "S9000"), json={"status": "present"}, headers=teacher.headers
        )
        assert (nameless.status_code, error_code(nameless)) == (422, "full_name_required")
        named = await api.put(
            url(aid, "records", "S9000"),
            json={"status": "present", "full_name": "Yeni Öğrenci"},
            headers=teacher.headers,
        )
        assert named.status_code == 201, named.text
        await api.post(url(aid, "finish"), headers=teacher.headers)
        await persist(runtime)
        created = await user_on_file(runtime, "S9000")
        assert (created.full_name, created.role.value) == ("Yeni Öğrenci", "student")

    @pytest.mark.parametrize("role", ["teacher", "admin"])
    async def test_staff_numbers_are_refused_as_students(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser, role: str
    ) -> None:
        teacher = await make_user("teacher")
        staff = await make_user(role, name="Prof. Dr. Ayşe Yılmaz", login=False)
        live = (await start(api, teacher))["attendance_id"]
        refused = await api.put(
            url(live, "records", staff.user_number),
            json={"status": "present", "full_name": "Ayse Yilmaz"},
            headers=teacher.headers,
        )
        assert (refused.status_code, error_code(refused)) == (422, "not_a_student")
        assert refused.json()["error"]["details"] == {"field": "student_number", "role": role}
        assert await runtime.redis_client.get_attendance_record(live, staff.user_number) is None
        await api.post(url(live, "finish"), headers=teacher.headers)
        await persist(runtime)
        other = await make_user("student")
        stored = await start_and_persist(api, runtime, teacher, [other])
        refused = await api.put(
            url(stored, "records", staff.user_number),
            json={"status": "present", "reason": "was there"},
            headers=teacher.headers,
        )
        assert (refused.status_code, error_code(refused)) == (422, "not_a_student")
        assert (await user_on_file(runtime, staff.user_number)).role.value == role

    async def test_an_admins_correction_reaches_the_session_and_is_never_undone(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        admin = await make_user("admin")
        teacher = await make_user("teacher")
        student = await make_user("student", name="Sukru Gundogdu")  # logged in before
        corrected = await api.patch(
            f"/api/v1/users/{student.user_number}",
            json={"full_name": "Şükrü Gündoğdu"},
            headers=admin.headers,
        )
        assert corrected.status_code == 200, corrected.text
        assert corrected.json()["full_name"] == "Şükrü Gündoğdu"
        me = await api.get("/api/v1/auth/me", headers=student.headers)
        assert me.json()["full_name"] == "Şükrü Gündoğdu"
        aid = (await start(api, teacher))["attendance_id"]
        checked = await check_in(api, student, aid)
        assert checked.json()["user_full_name"] == "Şükrü Gündoğdu"
        await api.post(url(aid, "finish"), headers=teacher.headers)
        await persist(runtime)
        assert (await user_on_file(runtime, student.user_number)).full_name == "Şükrü Gündoğdu"

    async def test_a_stale_session_name_does_not_rename_the_account(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        """The directory changed behind the session's back (an import, another process):
        the check-in still carries the old name, and persistence leaves the account be."""
        teacher = await make_user("teacher")
        student = await make_user("student", name="Sukru Gundogdu")
        async with runtime.sessionmaker() as session, session.begin():
            await repository.update_user(
                session,
                student.user_number,
                full_name="Şükrü Gündoğdu",
                role=student.role,
                at=utcnow(),
            )
        aid = (await start(api, teacher))["attendance_id"]
        assert (await check_in(api, student, aid)).json()["user_full_name"] == "Sukru Gundogdu"
        await api.post(url(aid, "finish"), headers=teacher.headers)
        await persist(runtime)
        assert (await user_on_file(runtime, student.user_number)).full_name == "Şükrü Gündoğdu"

    async def test_a_role_change_ends_the_session(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        admin = await make_user("admin")
        teacher = await make_user("teacher")
        demoted = await api.patch(
            f"/api/v1/users/{teacher.user_number}", json={"role": "student"}, headers=admin.headers
        )
        assert (demoted.status_code, demoted.json()["role"]) == (200, "student")
        me = await api.get("/api/v1/auth/me", headers=teacher.headers)
        assert me.status_code == 401

    async def test_editing_users_is_for_admins_with_clear_errors(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        admin = await make_user("admin")
        teacher = await make_user("teacher")
        path = f"/api/v1/users/{teacher.user_number}"
        by_teacher = await api.patch(path, json={"full_name": "X Y"}, headers=teacher.headers)
        assert by_teacher.status_code == 403
        unknown = await api.patch(
            "/api/v1/users/NOBODY", json={"full_name": "X Y"}, headers=admin.headers
        )
        assert (unknown.status_code, error_code(unknown)) == (404, "user_not_found")
        empty = await api.patch(path, json={}, headers=admin.headers)
        assert (empty.status_code, error_code(empty)) == (422, "invalid_input")
        bad_role = await api.patch(path, json={"role": "root"}, headers=admin.headers)
        assert bad_role.status_code == 422


SURROGATE_PATHS = [
    pytest.param("start", "lesson_name", id="lesson-name"),
    pytest.param("reject", "reason", id="reject-reason"),
    pytest.param("put-reason", "reason", id="put-reason"),
    pytest.param("delete", "reason", id="delete-reason"),
    pytest.param("put-name", "full_name", id="manual-add-name"),
    pytest.param("patch", "lesson_name", id="patch-stored-lesson-name"),
    pytest.param("patch-reason", "reason", id="patch-stored-reason"),
]


class TestTextThatCannotBeStored:
    @pytest.mark.parametrize(("path", "field"), SURROGATE_PATHS)
    async def test_a_lone_surrogate_is_a_422_naming_the_field_and_nothing_changes(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        make_user: MakeUser,
        path: str,
        field: str,
    ) -> None:
        teacher = await make_user("teacher")
        student = await make_user("student")
        if path.startswith("patch"):
            aid = await start_and_persist(api, runtime, teacher, [student])
        else:
            aid = (await start(api, teacher))["attendance_id"]
            assert (await check_in(api, student, aid)).status_code == 201
        before = await audit_of(runtime, aid)
        record = url(aid, "records", student.user_number)
        bad = f'"{LONE_SURROGATE}"'
        requests = {
            "start": (
                "POST",
                "/api/v1/attendances",
                f'{{"lesson_name": {bad}, "duration_minutes": 5}}',
            ),
            "reject": ("POST", f"{record}/reject", f'{{"reason": {bad}}}'),
            "put-reason": ("PUT", record, f'{{"status": "late", "reason": {bad}}}'),
            "delete": ("DELETE", record, f'{{"reason": {bad}}}'),
            "put-name": (
                "PUT",
                url(aid, "records", "S7777"),
                f'{{"status": "present", "full_name": {bad}}}',
            ),
            "patch": ("PATCH", url(aid), f'{{"lesson_name": {bad}, "reason": "typo"}}'),
            "patch-reason": ("PATCH", url(aid), f'{{"lesson_name": "Veri", "reason": {bad}}}'),
        }
        method, target, body = requests[path]
        response = await api.request(method, target, **with_auth(raw_json(body), teacher))
        assert (response.status_code, error_code(response)) == (422, "invalid_input"), response.text
        problems = response.json()["error"]["details"]
        assert problems[0]["loc"][-1] == field
        assert "surrogate" in problems[0]["msg"]
        assert await audit_of(runtime, aid) == before
        detail = await api.get(url(aid), headers=teacher.headers)
        assert [(r["student_number"], r["status"]) for r in detail.json()["records"]] == [
            (student.user_number, "present")
        ]
        # the connection stays usable: the next request on it is answered
        assert (await api.get(url(aid), headers=teacher.headers)).status_code == 200

    async def test_a_search_or_a_login_with_one_is_refused_not_a_500(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        student = await make_user("student")
        login = await api.post(
            "/api/v1/auth/login",
            **raw_json(
                f'{{"user_number": "{student.user_number}", "password": "{LONE_SURROGATE}"}}'
            ),
        )
        assert login.status_code in (401, 422), login.text
        search = await api.get(  # the UTF-8 bytes a surrogate would have
            "/api/v1/attendances/search?teacher_name=Ay%ED%A0%80e", headers=student.headers
        )
        assert search.status_code < 500


class TestReasonsAreShown:
    async def test_the_teacher_sees_the_last_reason_and_the_student_a_rejections(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher")
        rejected, accepted = await make_user("student"), await make_user("student")
        aid = (await start(api, teacher))["attendance_id"]
        for student in (rejected, accepted):
            assert (await check_in(api, student, aid)).status_code == 201
        await api.post(
            url(aid, "records", rejected.user_number, "reject"),
            json={"reason": "telefonu arkadaşında"},
            headers=teacher.headers,
        )
        await api.post(
            url(aid, "records", accepted.user_number, "accept"),
            json={"reason": "ders sonunda konuştuk"},
            headers=teacher.headers,
        )
        for stage in ("live", "archive"):
            listing = (await api.get(url(aid, "records"), headers=teacher.headers)).json()
            assert listing["source"] == stage
            shown = {
                r["student_number"]: (r["decision_reason"], r["decided_by"])
                for r in listing["records"]
            }
            assert shown == {
                rejected.user_number: ("telefonu arkadaşında", teacher.user_number),
                accepted.user_number: ("ders sonunda konuştuk", teacher.user_number),
            }
            mine = (await api.get(url(aid, "records", "me"), headers=rejected.headers)).json()
            assert (mine["status"], mine["decision_reason"]) == ("rejected", "telefonu arkadaşında")
            theirs = (await api.get(url(aid, "records", "me"), headers=accepted.headers)).json()
            assert (theirs["status"], theirs["decision_reason"]) == ("present", None)
            history = (await api.get("/api/v1/me/attendance", headers=rejected.headers)).json()
            assert history["items"][0]["record"]["decision_reason"] == "telefonu arkadaşında"
            if stage == "live":
                await api.post(url(aid, "finish"), headers=teacher.headers)
                assert (await persist(runtime)).attendances == 1

    async def test_a_manual_save_keeps_its_reason(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, student = await make_user("teacher"), await make_user("student", login=False)
        aid = (await start(api, teacher))["attendance_id"]
        saved = await api.put(
            url(aid, "records", student.user_number),
            json={"status": "excused", "reason": "rapor getirdi"},
            headers=teacher.headers,
        )
        assert saved.json()["decision_reason"] == "rapor getirdi"
        await api.post(url(aid, "finish"), headers=teacher.headers)
        await persist(runtime)
        async with runtime.sessionmaker() as session:
            row = await repository.get_record(session, UUID(aid), student.user_number)
        assert row is not None
        assert row.decision_reason == "rapor getirdi"


class TestStoredChangesAllNeedAReason:
    async def test_accepting_a_stored_record_needs_a_reason_like_every_other_change(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, student = await make_user("teacher"), await make_user("student")
        aid = await start_and_persist(api, runtime, teacher, [student])
        accept = url(aid, "records", student.user_number, "accept")
        bare = await api.post(accept, headers=teacher.headers)
        assert (bare.status_code, error_code(bare)) == (422, "reason_required")
        assert [e.action for e in await audit_of(runtime, aid)].count("record_accepted") == 0
        ok = await api.post(accept, json={"reason": "listede vardı"}, headers=teacher.headers)
        assert ok.status_code == 200, ok.text


class TestHistorySearch:
    async def test_words_in_any_order_on_an_english_keyboard_live_and_stored(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, student = await make_user("teacher"), await make_user("student")
        stored = await start_and_persist(api, runtime, teacher, [student])
        live = (await start(api, teacher, lesson_name="Veri Yapıları Şube 2"))["attendance_id"]
        found = await api.get(
            "/api/v1/attendances", params={"lesson_name": "yapilari veri"}, headers=teacher.headers
        )
        assert found.status_code == 200, found.text
        assert {item["attendance_id"] for item in found.json()["items"]} == {stored, live}
        only_live = await api.get(
            "/api/v1/attendances", params={"lesson_name": "sube veri"}, headers=teacher.headers
        )
        assert [item["attendance_id"] for item in only_live.json()["items"]] == [live]
