"""Check-in security through the HTTP API, part 1: the settings a teacher picks when
starting, the rotating code (right, wrong, stale, the grace window on an injected clock,
rate limits), the teacher's code and QR views, and that no other response carries it."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from attn.clock import FrozenClock
from attn.config import Settings
from attn.db import keys
from attn.runtime import Runtime
from tests.fixtures.app import error_code
from tests.fixtures.checkin import QuickUser
from tests.helpers.attendance_api import persist, start, url
from tests.helpers.checkin_api import (
    check_in,
    client_at,
    current_code,
    start_checked,
    to_step_start,
    wrong,
)

STEP = 15
GRACE = 10


class TestStartSettings:
    async def test_checks_are_shown_without_secrets(
        self, api: httpx.AsyncClient, runtime: Runtime, quick_user: QuickUser
    ) -> None:
        teacher = await quick_user("teacher")
        started = await start_checked(
            api,
            teacher,
            {"code": True, "network": True, "allowed_networks": ["10.20.30.5/24", "2001:db8::/48"]},
        )
        assert started["checks"] == {
            "code": True,
            "network": True,
            "allowed_networks": ["10.20.30.0/24", "2001:db8::/48"],
            "device": False,
            "face": False,
        }
        aid = started["attendance_id"]
        stored = await runtime.redis.get(keys.secret(aid))
        assert stored, "the secret is made when the attendance starts"
        secret = stored.decode() if isinstance(stored, bytes) else stored
        assert len(secret) == 64
        code = await current_code(api, teacher, aid)
        student = await quick_user("student")
        record = await check_in(api, student, aid, code=code)
        assert record.json()["fail_reason"] == "network_mismatch"  # 127.0.0.1 is outside
        responses = [
            record,
            await api.get(url(aid), headers=teacher.headers),
            await api.get(url(aid, "records"), headers=teacher.headers),
            await api.get(url(aid, "records", "me"), headers=student.headers),
            await api.get("/api/v1/attendances/active", headers=teacher.headers),
        ]
        for text in [str(started)] + [response.text for response in responses]:
            assert "secret" not in text
            assert secret not in text
            assert code not in text

    async def test_network_defaults_to_the_teachers_address(
        self, app: FastAPI, quick_user: QuickUser
    ) -> None:
        teacher = await quick_user("teacher")
        async with client_at(app, "2001:db8:20::7") as client:
            started = await start_checked(client, teacher, {"network": True})
        assert started["checks"]["allowed_networks"] == ["2001:db8:20::7/128"]

    @pytest.mark.parametrize(
        ("checks", "code"),
        [
            ({"face": True}, "face_unavailable"),
            ({"allowed_networks": ["10.0.0.0/8"]}, "invalid_checks"),
            ({"network": True, "allowed_networks": ["10.0.0.300/8"]}, "invalid_input"),
            ({"code": "yes"}, "invalid_input"),
            ({"fingerprint": True}, "invalid_input"),
        ],
    )
    async def test_invalid_choices_are_refused(
        self, api: httpx.AsyncClient, quick_user: QuickUser, checks: dict[str, object], code: str
    ) -> None:
        teacher = await quick_user("teacher")
        response = await api.post(
            "/api/v1/attendances",
            json={"lesson_name": "Fizik", "duration_minutes": 60, "checks": checks},
            headers=teacher.headers,
        )
        assert response.status_code == 422, response.text
        assert error_code(response) == code


class TestInstallationDefaults:
    @pytest.fixture
    def app_settings(self, app_settings: Settings) -> Settings:
        return app_settings.model_copy(update={"default_checks": ["code", "network", "device"]})

    async def test_checks_default_to_the_settings(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher = await quick_user("teacher")
        started = await start(api, teacher)
        assert started["checks"] == {
            "code": True,
            "network": True,
            "allowed_networks": ["127.0.0.1/32"],
            "device": True,
            "face": False,
        }
        chosen = await start(api, await quick_user("teacher"), checks={})
        assert not any(chosen["checks"].values())


class TestCode:
    async def test_right_code_passes_wrong_and_missing_are_rejected(
        self, api: httpx.AsyncClient, quick_user: QuickUser, clock: FrozenClock
    ) -> None:
        teacher = await quick_user("teacher")
        students = [await quick_user("student") for _ in range(3)]
        aid = (await start_checked(api, teacher, {"code": True}))["attendance_id"]
        code = await current_code(api, teacher, aid)
        good = await check_in(api, students[0], aid, code=f" {code.lower()[:3]} {code[3:]} ")
        assert (good.status_code, good.json()["status"]) == (201, "present")
        for student, sent in ((students[1], wrong(code)), (students[2], None)):
            bad = await check_in(api, student, aid, code=sent)
            assert bad.status_code == 201, bad.text
            assert (bad.json()["status"], bad.json()["fail_reason"]) == ("rejected", "code_invalid")

    async def test_previous_code_within_the_grace_window_then_stale(
        self, api: httpx.AsyncClient, quick_user: QuickUser, clock: FrozenClock
    ) -> None:
        teacher = await quick_user("teacher")
        early, late, stale = [await quick_user("student") for _ in range(3)]
        aid = (await start_checked(api, teacher, {"code": True}))["attendance_id"]
        to_step_start(clock, STEP)
        shown = (await api.get(url(aid, "code"), headers=teacher.headers)).json()
        assert shown["step_seconds"] == STEP
        assert shown["seconds_until_change"] == pytest.approx(STEP - 1)
        old = shown["code"]
        clock.advance(STEP)  # one second into the next step: the old code is in grace
        assert await current_code(api, teacher, aid) != old
        response = await check_in(api, early, aid, code=old)
        assert response.json()["status"] == "present", response.text
        clock.advance(GRACE - 1)  # exactly GRACE seconds after the change: grace is over
        assert (await check_in(api, late, aid, code=old)).json()["fail_reason"] == "code_invalid"
        clock.advance(STEP)  # two steps on
        assert (await check_in(api, stale, aid, code=old)).json()["fail_reason"] == "code_invalid"

    async def test_the_next_steps_code_is_not_accepted(
        self, api: httpx.AsyncClient, quick_user: QuickUser, clock: FrozenClock
    ) -> None:
        teacher, student = await quick_user("teacher"), await quick_user("student")
        aid = (await start_checked(api, teacher, {"code": True}))["attendance_id"]
        to_step_start(clock, STEP)
        clock.advance(STEP)
        future = await current_code(api, teacher, aid)
        clock.advance(-STEP)
        response = await check_in(api, student, aid, code=future)
        assert response.json()["fail_reason"] == "code_invalid"

    async def test_wrong_then_right_code_turns_rejected_into_present(
        self, api: httpx.AsyncClient, quick_user: QuickUser, clock: FrozenClock
    ) -> None:
        teacher, student = await quick_user("teacher"), await quick_user("student")
        aid = (await start_checked(api, teacher, {"code": True}))["attendance_id"]
        code = await current_code(api, teacher, aid)
        first = await check_in(api, student, aid, code=wrong(code))
        assert (first.json()["status"], first.json()["attempt_count"]) == ("rejected", 1)
        clock.advance(3)
        second = await check_in(api, student, aid, code=code)
        assert second.status_code == 201
        record = second.json()
        assert (record["status"], record["fail_reason"], record["attempt_count"]) == (
            "present",
            None,
            2,
        )
        # A later failing attempt never downgrades the present record.
        third = await check_in(api, student, aid, code=wrong(code))
        assert third.status_code == 200
        assert third.json() == record

    async def test_teacher_rejection_is_not_overridden_by_the_right_code(
        self, api: httpx.AsyncClient, quick_user: QuickUser, clock: FrozenClock
    ) -> None:
        teacher, student = await quick_user("teacher"), await quick_user("student")
        aid = (await start_checked(api, teacher, {"code": True}))["attendance_id"]
        await check_in(api, student, aid, code="ZZZZZZ")
        rejected = await api.post(
            url(aid, "records", student.user_number, "reject"),
            json={"reason": "was not in class"},
            headers=teacher.headers,
        )
        assert rejected.status_code == 200, rejected.text
        again = await check_in(api, student, aid, code=await current_code(api, teacher, aid))
        assert again.status_code == 200
        assert (again.json()["status"], again.json()["decided_by"]) == (
            "rejected",
            teacher.user_number,
        )


class TestWrongCodeLimit:
    @pytest.fixture
    def app_settings(self, app_settings: Settings) -> Settings:
        return app_settings.model_copy(update={"code_attempts_per_minute": 3})

    async def test_repeated_wrong_codes_are_rate_limited(
        self, api: httpx.AsyncClient, quick_user: QuickUser, clock: FrozenClock
    ) -> None:
        teacher = await quick_user("teacher")
        guesser, classmate = await quick_user("student"), await quick_user("student")
        aid = (await start_checked(api, teacher, {"code": True}))["attendance_id"]
        code = await current_code(api, teacher, aid)
        for guess in ("222222", "333333", "444444"):
            assert (await check_in(api, guesser, aid, code=guess)).status_code == 201
        limited = await check_in(api, guesser, aid, code=code)
        assert limited.status_code == 429
        assert error_code(limited) == "too_many_wrong_codes"
        assert int(limited.headers["Retry-After"]) >= 1
        assert (await check_in(api, classmate, aid, code=code)).json()["status"] == "present"


class TestTeacherCodeViews:
    async def test_code_json_and_qr(
        self, api: httpx.AsyncClient, runtime: Runtime, quick_user: QuickUser, clock: FrozenClock
    ) -> None:
        teacher = await quick_user("teacher")
        aid = (await start_checked(api, teacher, {"code": True}))["attendance_id"]
        shown = await api.get(url(aid, "code"), headers=teacher.headers)
        assert shown.headers["cache-control"] == "no-store"
        body = shown.json()
        assert set(body) == {"code", "seconds_until_change", "step_seconds", "checkin_url"}
        assert len(body["code"]) == 6
        assert 0 < body["seconds_until_change"] <= STEP
        base = runtime.settings.public_base_url
        assert body["checkin_url"] == f"{base}/check-in/{aid}?code={body['code']}"
        qr = await api.get(url(aid, "code.svg"), headers=teacher.headers)
        assert qr.status_code == 200
        assert qr.headers["content-type"].startswith("image/svg+xml")
        assert qr.text.startswith("<svg")
        assert "</svg>" in qr.text

    async def test_admin_sees_it_students_and_other_teachers_do_not(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher, other = await quick_user("teacher"), await quick_user("teacher")
        admin, student = await quick_user("admin"), await quick_user("student")
        aid = (await start_checked(api, teacher, {"code": True}))["attendance_id"]
        assert (await api.get(url(aid, "code"), headers=admin.headers)).status_code == 200
        for who, code in ((student, "wrong_role"), (other, "not_your_attendance")):
            for path in ("code", "code.svg", "devices"):
                refused = await api.get(url(aid, path), headers=who.headers)
                assert (refused.status_code, error_code(refused)) == (403, code), path
        assert (await api.get(url(aid, "code"))).status_code == 401

    async def test_without_the_code_check(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher = await quick_user("teacher")
        aid = (await start_checked(api, teacher, {"device": True}))["attendance_id"]
        for path in ("code", "code.svg"):
            response = await api.get(url(aid, path), headers=teacher.headers)
            assert (response.status_code, error_code(response)) == (409, "code_not_enabled")

    async def test_no_code_once_finished_or_stored(
        self, api: httpx.AsyncClient, runtime: Runtime, quick_user: QuickUser
    ) -> None:
        teacher = await quick_user("teacher")
        aid = (await start_checked(api, teacher, {"code": True}))["attendance_id"]
        await api.post(url(aid, "finish"), headers=teacher.headers)
        finished = await api.get(url(aid, "code"), headers=teacher.headers)
        assert (finished.status_code, error_code(finished)) == (409, "attendance_finished")
        await persist(runtime)
        stored = await api.get(url(aid, "code"), headers=teacher.headers)
        assert (stored.status_code, error_code(stored)) == (409, "attendance_finished")
        unknown = await api.get(
            url("7b0d6a1e-0000-4000-8000-000000000000", "code"), headers=teacher.headers
        )
        assert (unknown.status_code, error_code(unknown)) == (404, "attendance_not_found")


class TestOpenApi:
    async def test_check_in_documents_both_bodies_and_the_device_header(
        self, api: httpx.AsyncClient
    ) -> None:
        document = (await api.get("/openapi.json")).json()
        paths = document["paths"]
        operation = paths["/api/v1/attendances/{attendance_id}/check-in"]["post"]
        body = operation["requestBody"]
        assert body["required"] is False
        assert set(body["content"]) == {"application/json", "multipart/form-data"}
        multipart = body["content"]["multipart/form-data"]["schema"]["properties"]
        assert multipart["photo"] == {
            "type": "string",
            "format": "binary",
            "description": "A JPEG or PNG photo of the student (with the face check).",
        }
        headers = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
        assert headers == ["X-Device-Id"]
        # declared by hand (the route reads the token itself): it must still name the scheme
        assert operation["security"] == [{"HTTPBearer": []}]
        assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
        for path in ("code", "code.svg", "devices"):
            assert f"/api/v1/attendances/{{attendance_id}}/{path}" in paths
