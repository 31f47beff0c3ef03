"""The verification callback route on the real app: Redis while the attendance is live,
SQL after persistence, and one round trip over real HTTP (ATTN -> fake service -> ATTN)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from attn.clock import FrozenClock
from attn.config import Settings
from attn.db import keys
from attn.db.sql import repository as repo
from attn.db.sql.rows import AttendanceRow, RecordRow, UserFromAttendance
from attn.models import AttendanceRecordRedis, LessonRedis, RecordStatus
from attn.models.types import SELF, utcnow
from attn.runtime import Runtime
from attn.services.security.face import FaceVerifier
from attn.services.security.face_callback import FACE_MISMATCH, VERIFICATION_TIMEOUT
from tests.fixtures.app import error_code
from tests.fixtures.verification_service import (
    SERVICE_SECRET,
    FakeVerificationService,
    ReceivedRequest,
    serve_app,
    socket_base_url,
)
from tests.helpers.factories import make_lesson, make_record

CALLBACK = "/api/v1/verification/callback"
SKEW = 300
PHOTO = b"\xff\xd8\xff\xe0" + b"\x00" * 32


# --- the route on the real app ---------------------------------------------------------------


@pytest.fixture
def app_settings(
    app_settings: Settings,
    app_socket: socket.socket,
    verification_service: FakeVerificationService,
) -> Settings:
    """The test app with the fake service configured, reachable at ``app_socket``, and
    rate limits so low that any limit on the callback would show."""
    return app_settings.model_copy(
        update={
            "face_service_url": verification_service.url,
            "face_service_secret": SecretStr(SERVICE_SECRET),
            "public_base_url": socket_base_url(app_socket),
            "rate_limit_per_address_per_minute": 1,
            "rate_limit_checkin_per_minute": 1,
        }
    )


@pytest.fixture
def clock(runtime: Runtime) -> FrozenClock:
    frozen = FrozenClock(utcnow())
    runtime.clock = frozen
    return frozen


@pytest.fixture
async def verifier(runtime: Runtime, clock: FrozenClock) -> AsyncIterator[FaceVerifier]:
    async with FaceVerifier(runtime.settings, runtime.redis_client, clock=clock) as made:
        yield made


class Flow:
    """Arranges a check-in waiting for verification and plays the service's answer."""

    def __init__(
        self,
        runtime: Runtime,
        api: httpx.AsyncClient,
        service: FakeVerificationService,
        verifier: FaceVerifier,
        clock: FrozenClock,
    ) -> None:
        self.runtime, self.api, self.service = runtime, api, service
        self.verifier, self.clock = verifier, clock

    async def start(self, **overrides: Any) -> LessonRedis:
        lesson = make_lesson(**overrides)
        await self.runtime.redis_client.create_lesson(lesson, due_at=lesson.ends_at)
        return lesson

    async def pending(
        self, aid: UUID, student: str = "S2001", *, at: datetime | None = None
    ) -> AttendanceRecordRedis:
        record = make_record(
            aid, student_number=student, status=RecordStatus.PENDING, checked_in_at=at
        )
        result = await self.runtime.redis_client.check_in(record, self.clock.now())
        return result.record

    async def submit(self, aid: UUID, student: str = "S2001") -> ReceivedRequest:
        await self.verifier.submit(aid, student, PHOTO, "image/jpeg")
        return self.service.received[-1]

    async def answer(
        self,
        got: ReceivedRequest,
        result: str = "match",
        *,
        at: datetime | None = None,
        secret: str | None = None,
        **changes: Any,
    ) -> httpx.Response:
        body = self.service.callback_body(got, result, 0.9, **changes)
        stamp = int((at or self.clock.now()).timestamp())
        headers = self.service.sign(body, timestamp=stamp, secret=secret)
        return await self.api.post(CALLBACK, content=body, headers=headers)

    async def record(self, aid: UUID, student: str = "S2001") -> AttendanceRecordRedis | None:
        return await self.runtime.redis_client.get_attendance_record(aid, student)


@pytest.fixture
def flow(
    runtime: Runtime,
    api: httpx.AsyncClient,
    verification_service: FakeVerificationService,
    verifier: FaceVerifier,
    clock: FrozenClock,
) -> Flow:
    return Flow(runtime, api, verification_service, verifier, clock)


class TestCallbackRoute:
    async def test_match_makes_the_record_present(self, flow: Flow, runtime: Runtime) -> None:
        lesson = await flow.start()
        aid = lesson.attendance_id
        await flow.pending(aid)
        got = await flow.submit(aid)
        version = int(await runtime.redis.get(keys.version(aid)) or 0)
        response = await flow.answer(got, "match")
        assert response.status_code == 200, response.text
        assert response.json() == {
            "callback_id": got.callback_id,
            "attendance_id": str(aid),
            "student_number": "S2001",
            "status": "present",
            "fail_reason": None,
            "stored_in": "redis",
        }
        record = await flow.record(aid)
        assert record is not None
        assert (record.status, record.fail_reason, record.decided_by) == (
            RecordStatus.PRESENT,
            None,
            SELF,
        )
        assert record.updated_at == flow.clock.now()
        assert int(await runtime.redis.get(keys.version(aid)) or 0) == version + 1
        assert await runtime.redis_client.get_face_request(got.callback_id) is None

    async def test_mismatch_rejects_with_a_reason(self, flow: Flow) -> None:
        aid = (await flow.start()).attendance_id
        await flow.pending(aid)
        response = await flow.answer(await flow.submit(aid), "mismatch")
        assert response.status_code == 200, response.text
        record = await flow.record(aid)
        assert record is not None
        assert (record.status, record.fail_reason) == (RecordStatus.REJECTED, FACE_MISMATCH)

    async def test_match_after_the_late_threshold_is_late(self, flow: Flow) -> None:
        lesson = await flow.start(late_after_minutes=2)  # started 5 minutes ago
        await flow.pending(lesson.attendance_id)
        response = await flow.answer(await flow.submit(lesson.attendance_id), "match")
        assert response.json()["status"] == "late"

    async def test_bad_signature_changes_nothing(self, flow: Flow) -> None:
        aid = (await flow.start()).attendance_id
        await flow.pending(aid)
        got = await flow.submit(aid)
        response = await flow.answer(got, "mismatch", secret="forged")
        assert response.status_code == 401
        assert error_code(response) == "bad_signature"
        record = await flow.record(aid)
        assert record is not None
        assert record.status is RecordStatus.PENDING
        # The genuine answer still works afterwards.
        assert (await flow.answer(got, "match")).status_code == 200

    async def test_stale_timestamp(self, flow: Flow) -> None:
        aid = (await flow.start()).attendance_id
        await flow.pending(aid)
        old = flow.clock.now() - timedelta(seconds=SKEW + 5)
        response = await flow.answer(await flow.submit(aid), at=old)
        assert response.status_code == 401
        assert error_code(response) == "stale_timestamp"

    async def test_replay_is_refused(self, flow: Flow) -> None:
        aid = (await flow.start()).attendance_id
        await flow.pending(aid)
        got = await flow.submit(aid)
        body = flow.service.callback_body(got, "match")
        headers = flow.service.sign(body, timestamp=int(flow.clock.now().timestamp()))
        first = await flow.api.post(CALLBACK, content=body, headers=headers)
        assert first.status_code == 200
        flow.clock.advance(30)
        again = await flow.api.post(CALLBACK, content=body, headers=headers)
        assert again.status_code == 409
        assert error_code(again) == "callback_replayed"

    async def test_unknown_callback_id(self, flow: Flow) -> None:
        aid = (await flow.start()).attendance_id
        await flow.pending(aid)
        got = await flow.submit(aid)
        response = await flow.answer(got, callback_id="never_issued_" + "x" * 20)
        assert response.status_code == 404
        assert error_code(response) == "unknown_callback"

    async def test_callback_for_another_student_is_refused(self, flow: Flow) -> None:
        aid = (await flow.start()).attendance_id
        await flow.pending(aid, "S1")
        await flow.pending(aid, "S2")
        got = await flow.submit(aid, "S1")
        response = await flow.answer(got, student_number="S2")
        assert response.status_code == 422
        assert error_code(response) == "callback_mismatch"
        for student in ("S1", "S2"):
            record = await flow.record(aid, student)
            assert record is not None
            assert record.status is RecordStatus.PENDING

    async def test_a_mismatched_callback_does_not_use_up_the_real_one(self, flow: Flow) -> None:
        """A callback naming another student than its request is refused without spending
        the callback id: the service's correct answer for it still settles the record."""
        aid = (await flow.start()).attendance_id
        await flow.pending(aid, "S1")
        await flow.pending(aid, "S2")
        got = await flow.submit(aid, "S1")
        wrong = await flow.answer(got, student_number="S2", result="mismatch")
        assert (wrong.status_code, error_code(wrong)) == (422, "callback_mismatch")
        right = await flow.answer(got, result="match")
        assert right.status_code == 200, right.text
        settled = await flow.record(aid, "S1")
        assert settled is not None
        assert settled.status is RecordStatus.PRESENT
        other = await flow.record(aid, "S2")
        assert other is not None
        assert other.status is RecordStatus.PENDING

    async def test_missing_record_can_be_retried(self, flow: Flow) -> None:
        """The record not written yet is temporary: the same callback works on retry."""
        aid = (await flow.start()).attendance_id
        got = await flow.submit(aid)
        body = flow.service.callback_body(got, "match")
        headers = flow.service.sign(body, timestamp=int(flow.clock.now().timestamp()))
        early = await flow.api.post(CALLBACK, content=body, headers=headers)
        assert early.status_code == 404
        assert error_code(early) == "record_not_found"
        await flow.pending(aid)
        retry = await flow.api.post(CALLBACK, content=body, headers=headers)
        assert retry.status_code == 200, retry.text
        assert retry.json()["status"] == "present"

    async def test_teacher_decision_is_never_overridden(self, flow: Flow, runtime: Runtime) -> None:
        aid = (await flow.start()).attendance_id
        await flow.pending(aid)
        got = await flow.submit(aid)
        await runtime.redis_client.decide_record(
            aid,
            "S2001",
            status=RecordStatus.EXCUSED,
            decided_by="T1001",
            fail_reason=None,
            now=flow.clock.now(),
        )
        response = await flow.answer(got, "mismatch")
        assert response.status_code == 409
        assert error_code(response) == "record_not_pending"
        record = await flow.record(aid)
        assert record is not None
        assert (record.status, record.decided_by) == (RecordStatus.EXCUSED, "T1001")

    @pytest.mark.parametrize(
        ("body", "code"),
        [(b"{}", "invalid_callback"), (b"x" * (64 * 1024 + 1), "payload_too_large")],
    )
    async def test_bad_bodies(self, flow: Flow, body: bytes, code: str) -> None:
        headers = flow.service.sign(body, timestamp=int(flow.clock.now().timestamp()))
        response = await flow.api.post(CALLBACK, content=body, headers=headers)
        assert error_code(response) == code

    async def test_never_rate_limited(self, flow: Flow) -> None:
        """A whole class's results arrive from one address at once (limits here are 1/min)."""
        aid = (await flow.start()).attendance_id
        students = [f"S{n}" for n in range(6)]
        requests = []
        for student in students:
            await flow.pending(aid, student)
            requests.append(await flow.submit(aid, student))
        responses = [await flow.answer(got) for got in requests]
        assert [response.status_code for response in responses] == [200] * len(students)


# --- after persistence: the SQL record -------------------------------------------------------


async def persist(
    runtime: Runtime, lesson: LessonRedis, record: AttendanceRecordRedis, *, at: datetime
) -> None:
    """What the persistence job leaves behind: the rows in SQL, nothing in Redis."""
    async with runtime.sessionmaker() as session, session.begin():
        await repo.insert_missing_users(
            session, [UserFromAttendance.teacher_of(lesson), UserFromAttendance.student_of(record)]
        )
        await repo.upsert_attendance(session, AttendanceRow.from_redis(lesson, persisted_at=at))
        await repo.upsert_records(session, [RecordRow.from_redis(record)])


async def stored_record(runtime: Runtime, aid: UUID, student: str = "S2001") -> RecordRow:
    async with runtime.sessionmaker() as session:
        [row] = [r for r in await repo.list_records(session, aid) if r.student_number == student]
    return row


class TestLateCallbacks:
    async def arrange(
        self, flow: Flow, runtime: Runtime, *, persisted_ago: float, **record: Any
    ) -> tuple[UUID, ReceivedRequest]:
        lesson = make_lesson(finished_at=flow.clock.now() - timedelta(minutes=1))
        values = {"status": RecordStatus.PENDING, **record}
        stored = make_record(lesson.attendance_id, **values)
        at = flow.clock.now() - timedelta(seconds=persisted_ago)
        await persist(runtime, lesson, stored, at=at)
        return lesson.attendance_id, await flow.submit(lesson.attendance_id)

    async def test_pending_record_in_sql_is_settled(self, flow: Flow, runtime: Runtime) -> None:
        aid, got = await self.arrange(flow, runtime, persisted_ago=60)
        response = await flow.answer(got, "match")
        assert response.status_code == 200, response.text
        assert response.json()["stored_in"] == "database"
        row = await stored_record(runtime, aid)
        assert (row.status, row.fail_reason, row.decided_by) == (RecordStatus.PRESENT, None, SELF)
        async with runtime.sessionmaker() as session:
            audit = await repo.list_audit(session, attendance_id=aid)
        assert [entry.action for entry in audit.items] == ["late_face_result"]

    async def test_verification_timeout_is_settled_too(self, flow: Flow, runtime: Runtime) -> None:
        """Persistence turns a still-pending record into rejected/verification_timeout."""
        aid, got = await self.arrange(
            flow,
            runtime,
            persisted_ago=60,
            status=RecordStatus.REJECTED,
            fail_reason=VERIFICATION_TIMEOUT,
        )
        response = await flow.answer(got, "mismatch")
        assert response.status_code == 200, response.text
        row = await stored_record(runtime, aid)
        assert (row.status, row.fail_reason) == (RecordStatus.REJECTED, FACE_MISMATCH)

    async def test_too_late(self, flow: Flow, runtime: Runtime) -> None:
        window = runtime.settings.face_late_callback_seconds
        aid, got = await self.arrange(flow, runtime, persisted_ago=window + 1)
        response = await flow.answer(got, "match")
        assert response.status_code == 409
        assert error_code(response) == "callback_too_late"
        assert (await stored_record(runtime, aid)).status is RecordStatus.PENDING

    async def test_teacher_decision_in_sql_wins(self, flow: Flow, runtime: Runtime) -> None:
        aid, got = await self.arrange(
            flow, runtime, persisted_ago=60, status=RecordStatus.ABSENT, decided_by="T1001"
        )
        response = await flow.answer(got, "match")
        assert response.status_code == 409
        assert error_code(response) == "record_not_pending"
        assert (await stored_record(runtime, aid)).status is RecordStatus.ABSENT

    async def test_unknown_attendance(self, flow: Flow) -> None:
        got = await flow.submit(uuid4())
        response = await flow.answer(got, "match")
        assert response.status_code == 404
        assert error_code(response) == "attendance_not_found"


# --- over real HTTP both ways ---------------------------------------------------------------


class TestRoundTrip:
    async def test_service_calls_back_over_http(
        self,
        app: FastAPI,
        app_socket: socket.socket,
        flow: Flow,
        verification_service: FakeVerificationService,
    ) -> None:
        aid = (await flow.start()).attendance_id
        await flow.pending(aid)
        flow.clock.set(datetime.now(UTC))
        async with serve_app(app, app_socket) as base_url:
            got = await flow.submit(aid)
            assert got.signature_valid
            assert got.callback_url == f"{base_url}{CALLBACK}"
            status, body = await asyncio.to_thread(verification_service.call_back, got, "match")
            assert (status, body["status"]) == (200, "present")
            replay_status, replay = await asyncio.to_thread(
                verification_service.call_back, got, "mismatch"
            )
        assert (replay_status, replay["error"]["code"]) == (409, "callback_replayed")
        record = await flow.record(aid)
        assert record is not None
        assert record.status is RecordStatus.PRESENT
