"""The face check through the HTTP API, against a stand-in verification service over real
HTTP on loopback: photo upload -> pending -> signed callback -> present or rejected; a
service that is down; bad, stale and replayed callbacks; a callback after persistence; and
one end-to-end lesson with all four checks on."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from attn.clock import FrozenClock
from attn.config import Settings
from attn.runtime import Runtime
from tests.fixtures.app import Account, error_code
from tests.fixtures.checkin import QuickUser
from tests.fixtures.verification_service import (
    SERVICE_SECRET,
    FakeVerificationService,
    ReceivedRequest,
    serve_app,
    socket_base_url,
)
from tests.helpers.attendance_api import persist, url
from tests.helpers.checkin_api import (
    JPEG,
    OTHER_PHONE,
    PHONE,
    PNG,
    check_in,
    current_code,
    start_checked,
    wrong,
)

CALLBACK = "/api/v1/verification/callback"
MAX_PHOTO = 4096


@pytest.fixture
def app_settings(
    app_settings: Settings,
    app_socket: socket.socket,
    verification_service: FakeVerificationService,
) -> Settings:
    return app_settings.model_copy(
        update={
            "face_service_url": verification_service.url,
            "face_service_secret": SecretStr(SERVICE_SECRET),
            "public_base_url": socket_base_url(app_socket),
            "face_photo_max_bytes": MAX_PHOTO,
        }
    )


async def answer(
    api: httpx.AsyncClient,
    service: FakeVerificationService,
    got: ReceivedRequest,
    result: str = "match",
    **sign: Any,
) -> httpx.Response:
    """The service's signed callback, sent to the app (the service's own HMAC code)."""
    body = service.callback_body(got, result, 0.91)
    return await api.post(CALLBACK, content=body, headers=service.sign(body, **sign))


async def my_record(api: httpx.AsyncClient, student: Account, aid: str) -> dict[str, Any]:
    response = await api.get(url(aid, "records", "me"), headers=student.headers)
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()
    return record


class TestFaceCheckIn:
    async def test_photo_goes_out_signed_and_a_match_makes_the_record_present(
        self,
        api: httpx.AsyncClient,
        quick_user: QuickUser,
        clock: FrozenClock,
        verification_service: FakeVerificationService,
    ) -> None:
        teacher, student = await quick_user("teacher"), await quick_user("student")
        aid = (await start_checked(api, teacher, {"face": True}))["attendance_id"]
        response = await check_in(api, student, aid, photo=PNG, photo_type="image/png")
        assert response.status_code == 201, response.text
        assert (response.json()["status"], response.json()["fail_reason"]) == ("pending", None)
        [got] = verification_service.received
        assert got.signature_valid
        assert (got.fields["attendance_id"], got.fields["student_number"]) == (
            aid,
            student.user_number,
        )
        assert (got.photo, got.photo_type) == (PNG, "image/png")
        assert got.callback_url.endswith(CALLBACK)
        again = await check_in(api, student, aid, photo=JPEG)  # still pending: not sent again
        assert (again.status_code, again.json()["status"]) == (200, "pending")
        assert len(verification_service.received) == 1
        applied = await answer(api, verification_service, got, "match")
        assert applied.status_code == 200, applied.text
        assert (await my_record(api, student, aid))["status"] == "present"

    async def test_mismatch_rejects_and_a_new_photo_may_be_tried(
        self,
        api: httpx.AsyncClient,
        quick_user: QuickUser,
        clock: FrozenClock,
        verification_service: FakeVerificationService,
    ) -> None:
        teacher, student = await quick_user("teacher"), await quick_user("student")
        aid = (await start_checked(api, teacher, {"face": True}))["attendance_id"]
        await check_in(api, student, aid, photo=JPEG)
        await answer(api, verification_service, verification_service.received[-1], "mismatch")
        record = await my_record(api, student, aid)
        assert (record["status"], record["fail_reason"]) == ("rejected", "face_mismatch")
        retry = await check_in(api, student, aid, photo=JPEG)
        assert (retry.json()["status"], retry.json()["attempt_count"]) == ("pending", 2)
        await answer(api, verification_service, verification_service.received[-1], "match")
        assert (await my_record(api, student, aid))["status"] == "present"

    @pytest.mark.parametrize(
        ("photo", "photo_type", "code"),
        [
            (None, "image/jpeg", "photo_required"),
            (b"GIF89a" + b"\x00" * 32, "image/gif", "photo_type"),
            (b"not an image at all", "image/jpeg", "photo_type"),
            (JPEG + b"\x00" * MAX_PHOTO, "image/jpeg", "photo_too_large"),
        ],
    )
    async def test_the_photo_is_required_and_checked(
        self,
        api: httpx.AsyncClient,
        quick_user: QuickUser,
        verification_service: FakeVerificationService,
        photo: bytes | None,
        photo_type: str,
        code: str,
    ) -> None:
        teacher, student = await quick_user("teacher"), await quick_user("student")
        aid = (await start_checked(api, teacher, {"face": True}))["attendance_id"]
        response = await check_in(api, student, aid, photo=photo, photo_type=photo_type)
        assert (response.status_code, error_code(response)) == (422, code)
        assert verification_service.received == []
        assert (
            await api.get(url(aid, "records", "me"), headers=student.headers)
        ).status_code == 404

    async def test_an_upload_must_declare_a_modest_size(
        self,
        api: httpx.AsyncClient,
        quick_user: QuickUser,
        verification_service: FakeVerificationService,
    ) -> None:
        teacher, student = await quick_user("teacher"), await quick_user("student")
        aid = (await start_checked(api, teacher, {"face": True}))["attendance_id"]
        huge = await check_in(api, student, aid, photo=JPEG + b"\x00" * (MAX_PHOTO + 70_000))
        assert (huge.status_code, error_code(huge)) == (413, "payload_too_large")
        over = await check_in(api, student, aid, photo=JPEG + b"\x00" * MAX_PHOTO)
        assert (over.status_code, error_code(over)) == (422, "photo_too_large")

        async def chunks() -> AsyncIterator[bytes]:
            yield b'--x\r\nContent-Disposition: form-data; name="code"\r\n\r\nA\r\n--x--\r\n'

        undeclared = await api.post(
            url(aid, "check-in"),
            content=chunks(),
            headers={**student.headers, "Content-Type": "multipart/form-data; boundary=x"},
        )
        assert (undeclared.status_code, error_code(undeclared)) == (411, "length_required")
        assert verification_service.received == []

    async def test_a_service_that_refuses_gives_verification_unavailable(
        self,
        api: httpx.AsyncClient,
        quick_user: QuickUser,
        verification_service: FakeVerificationService,
    ) -> None:
        teacher, student = await quick_user("teacher"), await quick_user("student")
        aid = (await start_checked(api, teacher, {"face": True}))["attendance_id"]
        verification_service.status = 503
        down = await check_in(api, student, aid, photo=JPEG)
        assert down.status_code == 201
        assert (down.json()["status"], down.json()["fail_reason"]) == (
            "rejected",
            "verification_unavailable",
        )
        verification_service.status = 202
        back = await check_in(api, student, aid, photo=JPEG)
        assert (back.json()["status"], back.json()["attempt_count"]) == ("pending", 2)

    async def test_a_device_held_by_another_student_is_not_sent_for_verification(
        self,
        api: httpx.AsyncClient,
        quick_user: QuickUser,
        verification_service: FakeVerificationService,
    ) -> None:
        teacher = await quick_user("teacher")
        owner, friend = await quick_user("student"), await quick_user("student")
        aid = (await start_checked(api, teacher, {"face": True, "device": True}))["attendance_id"]
        assert (await check_in(api, owner, aid, photo=JPEG, device=PHONE)).json()[
            "status"
        ] == "pending"
        proxy = await check_in(api, friend, aid, photo=JPEG, device=PHONE)
        assert (proxy.json()["status"], proxy.json()["fail_reason"]) == (
            "rejected",
            "device_reused",
        )
        assert len(verification_service.received) == 1

    async def test_the_teachers_decision_wins_over_the_result(
        self,
        api: httpx.AsyncClient,
        quick_user: QuickUser,
        clock: FrozenClock,
        verification_service: FakeVerificationService,
    ) -> None:
        teacher, student = await quick_user("teacher"), await quick_user("student")
        aid = (await start_checked(api, teacher, {"face": True}))["attendance_id"]
        await check_in(api, student, aid, photo=JPEG)
        accepted = await api.post(
            url(aid, "records", student.user_number, "accept"), headers=teacher.headers
        )
        assert accepted.status_code == 200, accepted.text
        late = await answer(
            api, verification_service, verification_service.received[-1], "mismatch"
        )
        assert (late.status_code, error_code(late)) == (409, "record_not_pending")
        record = await my_record(api, student, aid)
        assert (record["status"], record["decided_by"]) == ("present", teacher.user_number)


class TestCallbacksOfACheckIn:
    async def test_bad_signature_stale_timestamp_and_replay_are_refused(
        self,
        api: httpx.AsyncClient,
        quick_user: QuickUser,
        clock: FrozenClock,
        verification_service: FakeVerificationService,
    ) -> None:
        teacher, student = await quick_user("teacher"), await quick_user("student")
        aid = (await start_checked(api, teacher, {"face": True}))["attendance_id"]
        await check_in(api, student, aid, photo=JPEG)
        got = verification_service.received[-1]
        service = verification_service
        forged = await answer(api, service, got, "match", secret="not-the-secret")
        assert (forged.status_code, error_code(forged)) == (401, "bad_signature")
        old = int(clock.now().timestamp()) - 3600
        stale = await answer(api, service, got, "match", timestamp=old)
        assert (stale.status_code, error_code(stale)) == (401, "stale_timestamp")
        assert (await my_record(api, student, aid))["status"] == "pending"
        body = service.callback_body(got, "match")
        headers = service.sign(body)
        assert (await api.post(CALLBACK, content=body, headers=headers)).status_code == 200
        replay = await api.post(CALLBACK, content=body, headers=headers)
        assert (replay.status_code, error_code(replay)) == (409, "callback_replayed")

    async def test_a_result_after_persistence_updates_the_stored_record(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        quick_user: QuickUser,
        clock: FrozenClock,
        verification_service: FakeVerificationService,
    ) -> None:
        teacher, student = await quick_user("teacher"), await quick_user("student")
        aid = (await start_checked(api, teacher, {"face": True}))["attendance_id"]
        await check_in(api, student, aid, photo=JPEG)
        await api.post(url(aid, "finish"), headers=teacher.headers)
        assert (await persist(runtime)).attendances == 1
        timed_out = await my_record(api, student, aid)
        assert (timed_out["status"], timed_out["fail_reason"]) == (
            "rejected",
            "verification_timeout",
        )
        applied = await answer(api, verification_service, verification_service.received[-1])
        assert applied.status_code == 200, applied.text
        assert applied.json()["stored_in"] == "database"
        stored = await my_record(api, student, aid)
        assert (stored["status"], stored["fail_reason"]) == ("present", None)


class TestVerificationServiceUnreachable:
    @pytest.fixture
    def app_settings(self, app_settings: Settings, unused_loopback_url: str) -> Settings:
        return app_settings.model_copy(update={"face_service_url": unused_loopback_url})

    async def test_connection_refused_gives_verification_unavailable(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher, student = await quick_user("teacher"), await quick_user("student")
        aid = (await start_checked(api, teacher, {"face": True}))["attendance_id"]
        response = await check_in(api, student, aid, photo=JPEG)
        assert response.status_code == 201
        assert response.json()["fail_reason"] == "verification_unavailable"


class TestEndToEnd:
    async def test_a_lesson_with_all_four_checks_over_real_http(
        self,
        app: FastAPI,
        app_socket: socket.socket,
        runtime: Runtime,
        quick_user: QuickUser,
        verification_service: FakeVerificationService,
    ) -> None:
        """Everyone talks HTTP over loopback: students and teacher to ATTN, ATTN to the
        verification service, the service back to ATTN's callback route."""
        teacher = await quick_user("teacher")
        honest, proxied, at_home, sloppy = [await quick_user("student") for _ in range(4)]
        checks = {"code": True, "network": True, "device": True, "face": True}
        async with (
            serve_app(app, app_socket) as base_url,
            httpx.AsyncClient(base_url=base_url) as http,
        ):
            started = await start_checked(http, teacher, checks)
            aid = started["attendance_id"]
            assert started["checks"]["allowed_networks"] == ["127.0.0.1/32"]
            code = await current_code(http, teacher, aid)
            sent = await check_in(http, honest, aid, code=code, device=PHONE, photo=JPEG)
            assert sent.json()["status"] == "pending", sent.text
            got = verification_service.received[-1]
            assert got.signature_valid
            status, body = await asyncio.to_thread(verification_service.call_back, got, "match")
            assert (status, body["status"]) == (200, "present")
            assert (await my_record(http, honest, aid))["status"] == "present"
            # A friend checked in on the honest student's phone: refused, and the teacher sees it.
            proxy = await check_in(http, proxied, aid, code=code, device=PHONE, photo=JPEG)
            assert proxy.json()["fail_reason"] == "device_reused"
            # A code read out over the phone, typed once it had changed.
            home = await check_in(
                http, at_home, aid, code=wrong(code), device=OTHER_PHONE, photo=JPEG
            )
            assert home.json()["fail_reason"] == "code_invalid"
            # Someone whose face does not match.
            await check_in(http, sloppy, aid, code=code, device="tablet-0001", photo=JPEG)
            mismatch = verification_service.received[-1]
            status, _ = await asyncio.to_thread(
                verification_service.call_back, mismatch, "mismatch"
            )
            assert status == 200
            records = (await http.get(url(aid, "records"), headers=teacher.headers)).json()
            devices = (await http.get(url(aid, "devices"), headers=teacher.headers)).json()
        by_student = {
            r["student_number"]: (r["status"], r["fail_reason"]) for r in records["records"]
        }
        assert by_student == {
            honest.user_number: ("present", None),
            proxied.user_number: ("rejected", "device_reused"),
            at_home.user_number: ("rejected", "code_invalid"),
            sloppy.user_number: ("rejected", "face_mismatch"),
        }
        assert devices["devices"] == [
            {
                "device_id": PHONE,
                "holder": honest.user_number,
                "students": [honest.user_number, proxied.user_number],
            }
        ]
        assert code not in str(records)
        assert len(verification_service.received) == 2  # nobody else's photo went out
