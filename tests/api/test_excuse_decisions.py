"""Approving and declining excuse requests, and downloading their files, on SQLite and
PostgreSQL: approval makes the record ``excused`` through the record correction (its
``record_saved`` audit entry with before and after), a decline needs a reason the student
sees, a decided request stays decided, and the file comes back as an attachment."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote
from uuid import uuid4

import httpx
import pytest

from attn.config import Settings
from attn.runtime import Runtime
from tests.fixtures.app import Account, MakeUser, error_code
from tests.helpers.attendance_api import audit_of
from tests.helpers.databases import BOTH_DATABASES, on_database
from tests.helpers.excuses import PDF, PNG, Scene, as_pdf, ask, make_scene


@pytest.fixture(params=BOTH_DATABASES)
def app_settings(request: pytest.FixtureRequest, app_settings: Settings) -> Settings:
    return on_database(request, app_settings)


@pytest.fixture
async def scene(runtime: Runtime, make_user: MakeUser) -> Scene:
    return await make_scene(runtime, make_user)


async def asked(api: httpx.AsyncClient, who: Account, aid: Any, **kw: Any) -> str:
    response = await ask(api, who, aid, **kw)
    assert response.status_code == 201, response.text
    excuse_id: str = response.json()["excuse_id"]
    return excuse_id


async def decide(
    api: httpx.AsyncClient, who: Account, excuse_id: str, verb: str, reason: str | None = None
) -> httpx.Response:
    body = {} if reason is None else {"reason": reason}
    return await api.post(f"/api/v1/excuses/{excuse_id}/{verb}", json=body, headers=who.headers)


async def record(api: httpx.AsyncClient, scene: Scene, student: str) -> dict[str, Any]:
    response = await api.get(
        f"/api/v1/attendances/{scene.attendance_id}/records", headers=scene.teacher.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    items = body["records"]
    found: dict[str, Any] = next(r for r in items if r["student_number"] == student)
    return found


class TestApproving:
    async def test_the_record_becomes_excused_through_the_correction(
        self, api: httpx.AsyncClient, runtime: Runtime, scene: Scene
    ) -> None:
        excuse = await asked(api, scene.absent, scene.attendance_id)
        response = await decide(api, scene.teacher, excuse, "approve", "Rapor geçerli")
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["status"], body["decided_by"], body["decision_reason"]) == (
            "approved",
            "T1",
            "Rapor geçerli",
        )
        changed = await record(api, scene, "S1")
        assert (changed["status"], changed["decided_by"], changed["decision_reason"]) == (
            "excused",
            "T1",
            "Rapor geçerli",
        )
        actions = [(e.action, e.actor) for e in await audit_of(runtime, scene.attendance_id)]
        assert actions == [
            ("excuse_requested", "S1"),
            ("record_saved", "T1"),
            ("excuse_approved", "T1"),
        ]
        saved = (await audit_of(runtime, scene.attendance_id))[1]
        assert (saved.details["before"], saved.details["after"]) == ("absent", "excused")
        mine = await api.get("/api/v1/me/excuses", headers=scene.absent.headers)
        assert mine.json()["items"][0]["status"] == "approved"

    async def test_a_teacher_of_the_course_approves_a_student_without_a_record(
        self, api: httpx.AsyncClient, scene: Scene
    ) -> None:
        excuse = await asked(api, scene.enrolled, scene.attendance_id)
        response = await decide(api, scene.co_teacher, excuse, "approve")
        assert response.status_code == 200, response.text
        created = await record(api, scene, "S3")
        assert (created["status"], created["decided_by"]) == ("excused", "T3")
        assert created["decision_reason"] == "excuse approved"

    async def test_a_decided_request_stays_decided(
        self, api: httpx.AsyncClient, runtime: Runtime, scene: Scene
    ) -> None:
        excuse = await asked(api, scene.late, scene.attendance_id)
        assert (await decide(api, scene.admin, excuse, "approve")).status_code == 200
        before = await audit_of(runtime, scene.attendance_id)
        for verb, reason in [("approve", None), ("decline", "Geç kaldı")]:
            again = await decide(api, scene.teacher, excuse, verb, reason)
            assert (again.status_code, error_code(again)) == (409, "excuse_decided")
        assert await audit_of(runtime, scene.attendance_id) == before

    async def test_an_unknown_request_is_404(self, api: httpx.AsyncClient, scene: Scene) -> None:
        response = await decide(api, scene.teacher, str(uuid4()), "approve")
        assert (response.status_code, error_code(response)) == (404, "excuse_not_found")


class TestDeclining:
    async def test_the_student_sees_the_reason_and_the_record_stays(
        self, api: httpx.AsyncClient, runtime: Runtime, scene: Scene
    ) -> None:
        excuse = await asked(api, scene.absent, scene.attendance_id)
        response = await decide(api, scene.teacher, excuse, "decline", "Belge okunmuyor")
        assert response.status_code == 200, response.text
        mine = (await api.get("/api/v1/me/excuses", headers=scene.absent.headers)).json()
        assert (mine["items"][0]["status"], mine["items"][0]["decision_reason"]) == (
            "declined",
            "Belge okunmuyor",
        )
        assert (await record(api, scene, "S1"))["status"] == "absent"
        last = (await audit_of(runtime, scene.attendance_id))[-1]
        assert (last.action, last.details["reason"]) == ("excuse_declined", "Belge okunmuyor")

    @pytest.mark.parametrize("reason", [None, "", "   "], ids=["none", "empty", "blank"])
    async def test_a_decline_needs_a_reason(
        self, api: httpx.AsyncClient, scene: Scene, reason: str | None
    ) -> None:
        excuse = await asked(api, scene.absent, scene.attendance_id)
        response = await decide(api, scene.teacher, excuse, "decline", reason)
        assert (response.status_code, error_code(response)) == (422, "invalid_input")
        one = await api.get(f"/api/v1/excuses/{excuse}", headers=scene.absent.headers)
        assert one.json()["status"] == "requested"


class TestLists:
    async def test_by_attendance_course_and_state(
        self, api: httpx.AsyncClient, scene: Scene
    ) -> None:
        first = await asked(api, scene.absent, scene.attendance_id)
        second = await asked(api, scene.late, scene.attendance_id)
        await decide(api, scene.teacher, first, "decline", "Yok")
        paths = [
            f"/api/v1/attendances/{scene.attendance_id}/excuses",
            f"/api/v1/courses/{scene.course_id}/excuses",
        ]
        for path in paths:
            every = (await api.get(path, headers=scene.co_teacher.headers)).json()["items"]
            assert {e["excuse_id"] for e in every} == {first, second}
            open_ = await api.get(path, params={"status": "requested"}, headers=scene.admin.headers)
            assert [e["excuse_id"] for e in open_.json()["items"]] == [second]


class TestFile:
    @pytest.mark.parametrize("who", ["absent", "teacher", "co_teacher", "admin"])
    async def test_an_attachment_with_the_stored_type(
        self, api: httpx.AsyncClient, scene: Scene, who: str
    ) -> None:
        excuse = await asked(
            api, scene.absent, scene.attendance_id, file=as_pdf(name="rapor ş.pdf")
        )
        response = await api.get(
            f"/api/v1/excuses/{excuse}/file", headers=getattr(scene, who).headers
        )
        assert response.status_code == 200, response.text
        assert response.content == PDF
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["x-content-type-options"] == "nosniff"
        disposition = response.headers["content-disposition"]
        assert disposition.startswith("attachment;")
        assert f"filename*=UTF-8''{quote('rapor ş.pdf')}" in disposition

    async def test_the_type_served_is_the_sniffed_one(
        self, api: httpx.AsyncClient, scene: Scene
    ) -> None:
        excuse = await asked(
            api, scene.absent, scene.attendance_id, file=("x", PNG, "application/octet-stream")
        )
        response = await api.get(f"/api/v1/excuses/{excuse}/file", headers=scene.teacher.headers)
        assert response.headers["content-type"] == "image/png"

    async def test_a_request_without_a_file_is_404(
        self, api: httpx.AsyncClient, scene: Scene
    ) -> None:
        excuse = await asked(api, scene.absent, scene.attendance_id)
        response = await api.get(f"/api/v1/excuses/{excuse}/file", headers=scene.absent.headers)
        assert (response.status_code, error_code(response)) == (404, "excuse_file_not_found")
