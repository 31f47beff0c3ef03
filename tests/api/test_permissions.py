"""Rules the server enforces, whatever a client sends: roles, ownership, unknown and
malformed ids, and attendances that refuse check-ins."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest

from attn.models import RecordStatus
from attn.models.types import utcnow
from attn.runtime import Runtime
from tests.fixtures.app import Account, error_code
from tests.helpers.attendance_api import (
    BASE,
    arrange_lesson,
    check_in,
    minutes_ago,
    persist,
    quick_user,
    start,
    start_and_persist,
    url,
)


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # ``{aid}`` and ``{student}`` are filled in
    json: Any = None
    params: dict[str, str] = field(default_factory=dict)

    async def send(
        self, api: httpx.AsyncClient, who: Account | None, aid: Any, student: str = "S1"
    ) -> httpx.Response:
        return await api.request(
            self.method,
            self.path.format(base=BASE, aid=aid, student=student),
            json=self.json,
            params=self.params,
            headers=who.headers if who else {},
        )

    def __str__(self) -> str:
        return f"{self.method} {self.path.replace('{base}', '')}"


# Everything a teacher does to one attendance (admins too).
MANAGE = [
    Call("GET", "{base}/{aid}"),
    Call("GET", "{base}/{aid}/records"),
    Call("GET", "{base}/{aid}/export.csv"),
    Call("POST", "{base}/{aid}/finish"),
    Call("PATCH", "{base}/{aid}", json={"lesson_name": "X", "reason": "r"}),
    Call("DELETE", "{base}/{aid}", params={"reason": "r"}),
    Call("POST", "{base}/{aid}/records/{student}/accept"),
    Call("POST", "{base}/{aid}/records/{student}/reject", json={"reason": "r"}),
    Call("PUT", "{base}/{aid}/records/{student}", json={"status": "present", "full_name": "A"}),
    Call("DELETE", "{base}/{aid}/records/{student}", params={"reason": "r"}),
]
STAFF_COLLECTION = [Call("GET", "{base}"), Call("GET", "{base}/active")]
START = Call("POST", "{base}", json={"lesson_name": "Fizik", "duration_minutes": 30})
CHECK_IN = Call("POST", "{base}/{aid}/check-in")
ANY_USER = [
    Call("GET", "{base}/search", params={"lesson_name": "fizik"}),
    Call("GET", "{base}/{aid}/records/me"),
    Call("GET", "/api/v1/me/attendance"),
]
EVERYTHING = [*MANAGE, *STAFF_COLLECTION, START, CHECK_IN, *ANY_USER]
BY_ID = [call for call in EVERYTHING if "{aid}" in call.path]


def ids(calls: list[Call]) -> list[Any]:
    return [pytest.param(call, id=str(call)) for call in calls]


@dataclass(frozen=True)
class Scene:
    teacher: Account
    other_teacher: Account
    admin: Account
    student: Account
    classmate: Account
    aid: str


@pytest.fixture
async def scene(api: httpx.AsyncClient, runtime: Runtime) -> Scene:
    """A live attendance of ``teacher`` that ``student`` checked in to (sessions made
    without SQL users or password hashing: permissions only look at the session)."""
    teacher = await quick_user(runtime, "teacher")
    student = await quick_user(runtime, "student")
    aid = (await start(api, teacher))["attendance_id"]
    assert (await check_in(api, student, aid)).status_code == 201
    return Scene(
        teacher=teacher,
        other_teacher=await quick_user(runtime, "teacher"),
        admin=await quick_user(runtime, "admin"),
        student=student,
        classmate=await quick_user(runtime, "student"),
        aid=aid,
    )


class TestAuthentication:
    @pytest.mark.parametrize("call", ids(EVERYTHING))
    async def test_no_token_is_401(self, api: httpx.AsyncClient, call: Call) -> None:
        response = await call.send(api, None, uuid4())
        assert response.status_code == 401
        assert error_code(response) == "unauthorized"

    async def test_a_forged_token_is_401(self, api: httpx.AsyncClient, scene: Scene) -> None:
        forged = Account(
            "t1", "x", scene.teacher.role, "", f"{scene.teacher.user_number}.{'A' * 43}"
        )
        response = await Call("GET", "{base}/{aid}").send(api, forged, scene.aid)
        assert response.status_code == 401


class TestRoles:
    @pytest.mark.parametrize("call", ids([*MANAGE, *STAFF_COLLECTION, START]))
    async def test_a_student_may_not_manage(
        self, api: httpx.AsyncClient, runtime: Runtime, scene: Scene, call: Call
    ) -> None:
        response = await call.send(api, scene.student, scene.aid, scene.student.user_number)
        assert response.status_code == 403
        assert error_code(response) == "wrong_role"
        lesson = await runtime.redis_client.get_lesson(scene.aid)
        assert lesson is not None
        assert (lesson.finished_at, lesson.deleted_at) == (None, None)

    async def test_only_teachers_start(self, api: httpx.AsyncClient, scene: Scene) -> None:
        response = await START.send(api, scene.admin, None)
        assert (response.status_code, error_code(response)) == (403, "wrong_role")

    @pytest.mark.parametrize("role", ["teacher", "admin"])
    async def test_only_students_check_in(
        self, api: httpx.AsyncClient, scene: Scene, role: str
    ) -> None:
        who = scene.teacher if role == "teacher" else scene.admin
        response = await CHECK_IN.send(api, who, scene.aid)
        assert (response.status_code, error_code(response)) == (403, "wrong_role")

    async def test_a_student_sees_only_their_own_record(
        self, api: httpx.AsyncClient, scene: Scene
    ) -> None:
        own = await api.get(url(scene.aid, "records", "me"), headers=scene.student.headers)
        assert own.json()["student_number"] == scene.student.user_number
        theirs = await api.get(url(scene.aid, "records", "me"), headers=scene.classmate.headers)
        assert (theirs.status_code, error_code(theirs)) == (404, "record_not_found")
        listing = await api.get(url(scene.aid, "records"), headers=scene.classmate.headers)
        assert listing.status_code == 403
        history = await api.get(BASE, headers=scene.classmate.headers)
        assert history.status_code == 403


class TestOwnership:
    @pytest.mark.parametrize("call", ids(MANAGE))
    async def test_another_teacher_may_not_see_or_change_a_live_one(
        self, api: httpx.AsyncClient, runtime: Runtime, scene: Scene, call: Call
    ) -> None:
        response = await call.send(api, scene.other_teacher, scene.aid, scene.student.user_number)
        assert response.status_code == 403
        assert error_code(response) == "not_your_attendance"
        lesson = await runtime.redis_client.get_lesson(scene.aid)
        assert lesson is not None
        assert (lesson.finished_at, lesson.deleted_at, lesson.lesson_name) == (
            None,
            None,
            "Veri Yapıları",
        )
        record = await runtime.redis_client.get_attendance_record(
            scene.aid, scene.student.user_number
        )
        assert record is not None
        assert (record.status, record.decided_by) == (RecordStatus.PRESENT, "self")

    @pytest.mark.parametrize("call", ids(MANAGE))
    async def test_another_teacher_may_not_see_or_change_a_stored_one(
        self, api: httpx.AsyncClient, runtime: Runtime, call: Call
    ) -> None:
        owner, intruder = await quick_user(runtime, "teacher"), await quick_user(runtime, "teacher")
        student = await quick_user(runtime, "student")
        aid = await start_and_persist(api, runtime, owner, [student])
        response = await call.send(api, intruder, aid, student.user_number)
        assert response.status_code == 403
        assert error_code(response) == "not_your_attendance"
        detail = (await api.get(url(aid), headers=owner.headers)).json()
        assert (detail["state"], detail["lesson_name"]) == ("finished", "Veri Yapıları")
        assert [r["status"] for r in detail["records"]] == ["present"]

    async def test_a_teacher_lists_only_their_own(
        self, api: httpx.AsyncClient, scene: Scene
    ) -> None:
        own = await start(api, scene.other_teacher)
        listed = (await api.get(BASE, headers=scene.other_teacher.headers)).json()
        assert [item["attendance_id"] for item in listed["items"]] == [own["attendance_id"]]
        active = (await api.get(f"{BASE}/active", headers=scene.other_teacher.headers)).json()
        assert [item["attendance_id"] for item in active] == [own["attendance_id"]]


class TestAdmin:
    @pytest.mark.parametrize(
        "path", ["{base}/{aid}", "{base}/{aid}/records", "{base}/{aid}/export.csv"]
    )
    async def test_admin_reads_any_attendance_live_and_stored(
        self, api: httpx.AsyncClient, runtime: Runtime, scene: Scene, path: str
    ) -> None:
        call = Call("GET", path)
        live = await call.send(api, scene.admin, scene.aid)
        assert live.status_code == 200, live.text
        await api.post(url(scene.aid, "finish"), headers=scene.teacher.headers)
        await persist(runtime)
        stored = await call.send(api, scene.admin, scene.aid)
        assert stored.status_code == 200, stored.text

    async def test_admin_lists_everyone(self, api: httpx.AsyncClient, scene: Scene) -> None:
        other = await start(api, scene.other_teacher)
        listed = (await api.get(BASE, headers=scene.admin.headers)).json()
        assert {item["attendance_id"] for item in listed["items"]} == {
            scene.aid,
            other["attendance_id"],
        }

    async def test_admin_decisions_are_audited_as_the_admin(
        self, api: httpx.AsyncClient, scene: Scene
    ) -> None:
        response = await api.post(
            url(scene.aid, "records", scene.student.user_number, "reject"),
            json={"reason": "appeal denied"},
            headers=scene.admin.headers,
        )
        assert response.status_code == 200
        assert response.json()["decided_by"] == scene.admin.user_number


class TestUnknownAndMalformedIds:
    @pytest.mark.parametrize("call", ids(BY_ID))
    async def test_unknown_id_is_404(
        self, api: httpx.AsyncClient, runtime: Runtime, call: Call
    ) -> None:
        role = "student" if call in (CHECK_IN, *ANY_USER) else "admin"
        who = await quick_user(runtime, role)
        response = await call.send(api, who, uuid4())
        assert response.status_code == 404, response.text
        assert error_code(response) == "attendance_not_found"

    @pytest.mark.parametrize("call", ids(BY_ID))
    @pytest.mark.parametrize("bad", ["not-a-uuid", "123", "3f2b8c1e-5d4a-4e6b-9c7d"])
    async def test_malformed_id_is_422(
        self, api: httpx.AsyncClient, runtime: Runtime, call: Call, bad: str
    ) -> None:
        role = "student" if call in (CHECK_IN, *ANY_USER) else "admin"
        response = await call.send(api, await quick_user(runtime, role), bad)
        assert response.status_code == 422
        assert error_code(response) == "invalid_input"


class TestCheckInRefusals:
    async def test_finished(self, api: httpx.AsyncClient, scene: Scene) -> None:
        await api.post(url(scene.aid, "finish"), headers=scene.teacher.headers)
        response = await check_in(api, scene.classmate, scene.aid)
        assert (response.status_code, error_code(response)) == (409, "attendance_finished")

    async def test_finished_and_stored(
        self, api: httpx.AsyncClient, runtime: Runtime, scene: Scene
    ) -> None:
        await api.post(url(scene.aid, "finish"), headers=scene.teacher.headers)
        await persist(runtime)
        response = await check_in(api, scene.classmate, scene.aid)
        assert (response.status_code, error_code(response)) == (409, "attendance_finished")

    async def test_not_started(self, api: httpx.AsyncClient, runtime: Runtime) -> None:
        teacher, student = (
            await quick_user(runtime, "teacher"),
            await quick_user(runtime, "student"),
        )
        later = (utcnow() + timedelta(minutes=30)).isoformat()
        aid = (await start(api, teacher, starts_at=later))["attendance_id"]
        response = await check_in(api, student, aid)
        assert (response.status_code, error_code(response)) == (409, "attendance_not_started")

    async def test_past_its_end(self, api: httpx.AsyncClient, runtime: Runtime) -> None:
        teacher, student = (
            await quick_user(runtime, "teacher"),
            await quick_user(runtime, "student"),
        )
        lesson = await arrange_lesson(
            runtime, teacher, starts_at=minutes_ago(90), ends_at=minutes_ago(1)
        )
        response = await check_in(api, student, lesson.attendance_id)
        assert (response.status_code, error_code(response)) == (409, "attendance_ended")
        await persist(runtime)  # ended attendances are stored when due
        stored = await check_in(api, student, lesson.attendance_id)
        assert (stored.status_code, error_code(stored)) == (409, "attendance_ended")

    async def test_deleted(self, api: httpx.AsyncClient, runtime: Runtime, scene: Scene) -> None:
        await api.delete(url(scene.aid), params={"reason": "r"}, headers=scene.teacher.headers)
        response = await check_in(api, scene.classmate, scene.aid)
        assert (response.status_code, error_code(response)) == (409, "attendance_deleted")
        await persist(runtime)
        stored = await check_in(api, scene.classmate, scene.aid)
        assert (stored.status_code, error_code(stored)) == (409, "attendance_deleted")
        assert (
            await runtime.redis_client.get_attendance_record(scene.aid, scene.classmate.user_number)
            is None
        )
