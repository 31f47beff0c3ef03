"""The ``face`` check, incoming half: the verification service's signed callback.

Order of the checks, each stopping a different attack:
1. signature (HMAC-SHA256 over timestamp and raw body, constant-time): only the holder of
   the shared secret can send results, and nothing in the body can be altered;
2. timestamp within ``face_callback_max_skew_seconds`` of our clock: a captured callback
   is worthless after that window;
3. payload schema: a malformed result changes nothing;
4. replay mark (``SET NX`` on the callback id, kept for longer than the window): the same
   callback applies once even inside the window;
5. the callback id must be one we issued, for the same attendance and student (checked
   before step 4 sets its mark, so a wrong answer does not spend the id);
6. the record must still wait (``pending`` by the student): a teacher's decision wins.
A temporary failure after step 4 (record not written yet, storage down) releases the mark,
so the service may retry; definitive answers keep it.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from attn.config import Settings
from attn.db.outcomes import DataOutcome, NotLive
from attn.db.redis_client import RedisClient
from attn.db.sql import attendance_repo, audit_repo
from attn.error_text import first_line
from attn.errors import (
    AttendanceNotFound,
    AttnError,
    BadSignature,
    Busy,
    CallbackMismatch,
    CallbackReplayed,
    CallbackTooLate,
    InvalidCallback,
    RecordNotFound,
    RecordNotPending,
    StaleTimestamp,
    Unauthorized,
    UnknownCallback,
)
from attn.models import AttendanceRecordRedis, RecordStatus
from attn.models.types import FACE_VERIFICATION, UserNumber
from attn.services.attendance.rules import self_status
from attn.services.outcomes import domain_error
from attn.services.security.face import (
    CALLBACK_ID_PATTERN,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    configured_secret,
    signature,
)

log = logging.getLogger(__name__)

FACE_MISMATCH = "face_mismatch"
"""``fail_reason`` when the service says the photo is not the student."""
VERIFICATION_TIMEOUT = "verification_timeout"
"""What persistence turns a still ``pending`` record into; a late result may still settle it."""
REPLAY_MARGIN_S = 60
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE = re.compile(r"^sha256=[0-9a-f]{64}$")

Result = Literal["match", "mismatch"]


class FaceCallback(BaseModel):
    """The callback body (JSON). Unknown fields are ignored so the service can add some."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    callback_id: Annotated[str, StringConstraints(pattern=CALLBACK_ID_PATTERN)]
    attendance_id: UUID
    student_number: UserNumber
    result: Result
    score: float | None = Field(default=None, allow_inf_nan=False)


@dataclass(frozen=True)
class FaceResult:
    """What a callback did: the record's new state and where it was stored."""

    callback_id: str
    attendance_id: UUID
    student_number: str
    status: RecordStatus
    fail_reason: str | None
    stored_in: Literal["redis", "database"]


# --- pure checks ------------------------------------------------------------------------------


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive lookup that works for plain dicts as well as Starlette headers."""
    value = headers.get(name)
    if value is None:
        wanted = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == wanted), None)
    return value


def bad_signature(message: str) -> Unauthorized:
    return BadSignature(message)


def verify_callback(
    headers: Mapping[str, str],
    raw_body: bytes,
    secret: bytes | str,
    now: datetime,
    max_skew: int,
) -> FaceCallback:
    """Authenticate and parse a callback (nothing stored; see :func:`handle_callback`).

    Raises Unauthorized ``bad_signature`` (missing or wrong signature), Unauthorized
    ``stale_timestamp`` (``|now - timestamp| > max_skew``), InvalidInput
    ``invalid_callback`` (not the documented JSON).
    """
    timestamp = (_header(headers, TIMESTAMP_HEADER) or "").strip()
    provided = (_header(headers, SIGNATURE_HEADER) or "").strip().lower()
    if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(provided):
        raise bad_signature(
            f"the callback needs {TIMESTAMP_HEADER} (Unix seconds) and "
            f"{SIGNATURE_HEADER} (sha256=<hex>) headers"
        )
    expected = signature(secret, timestamp, raw_body)
    if not _constant_time_equal(expected, provided):
        raise bad_signature("the callback signature does not match")
    if abs(now.timestamp() - int(timestamp)) > max_skew:
        raise StaleTimestamp(
            f"the callback timestamp is more than {max_skew} s away from our clock",
        )
    try:
        return FaceCallback.model_validate(json.loads(raw_body))
    except (ValueError, ValidationError) as exc:  # JSONDecodeError and UnicodeDecodeError too
        raise InvalidCallback(
            f"the callback body is not a valid result: {first_line(exc, limit=200, typed=False)}",
        ) from exc


def _constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("ascii"), b.encode("ascii"))


def callback_outcome(
    result: Result | str, *, late: bool = False
) -> tuple[RecordStatus, str | None]:
    """The record's ``(status, fail_reason)`` for a verification result.

    ``match``: ``present`` (``late`` if the check-in came after the late threshold);
    ``mismatch``: ``rejected`` with ``face_mismatch`` (the teacher may still accept it).
    """
    if result == "match":
        return (RecordStatus.LATE if late else RecordStatus.PRESENT), None
    if result == "mismatch":
        return RecordStatus.REJECTED, FACE_MISMATCH
    raise ValueError(f"unknown verification result {result!r}")


def is_late(checked_in_at: datetime, starts_at: datetime, late_after_minutes: int | None) -> bool:
    """The check-in's own late rule (:func:`attn.services.attendance.rules.self_status`), so a
    face-verified record is late exactly when a plain check-in at that instant would be."""
    return self_status(starts_at, late_after_minutes, checked_in_at) is RecordStatus.LATE


def replay_ttl(settings: Settings) -> int:
    """The replay mark outlives every timestamp the skew check could still accept (a Redis
    TTL: it runs on wall time, as the service's timestamps do)."""
    return 2 * settings.face_callback_max_skew_seconds + REPLAY_MARGIN_S


# --- applying a result --------------------------------------------------------------------------


async def apply_face_result(
    redis: RedisClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    callback: FaceCallback,
    now: datetime,
) -> FaceResult:
    """Settle the waiting record with the service's result.

    While the attendance is in Redis the Redis record is changed (compare-and-set, only
    while ``pending``); once persisted, the SQL record is, within
    ``settings.face_late_callback_seconds`` of persistence. Raises NotFound
    (``record_not_found``, ``attendance_not_found``), Conflict (``record_not_pending``,
    ``callback_too_late``).
    """
    aid, student = callback.attendance_id, callback.student_number
    lesson = await redis.get_lesson(aid)
    if lesson is not None:

        def decide(record: AttendanceRecordRedis) -> tuple[RecordStatus, str | None]:
            late = is_late(record.checked_in_at, lesson.starts_at, lesson.late_after_minutes)
            return callback_outcome(callback.result, late=late)

        try:
            record = await redis.resolve_pending_record(aid, student, decide, now=now)
        except NotLive:
            pass  # Persisted and removed since we looked: the database has it now.
        except DataOutcome as outcome:
            raise domain_error(outcome) from outcome
        else:
            return FaceResult(
                callback.callback_id, aid, student, record.status, record.fail_reason, "redis"
            )
    return await _apply_in_database(sessionmaker, settings, callback, now)


async def _apply_in_database(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    callback: FaceCallback,
    now: datetime,
) -> FaceResult:
    aid, student = callback.attendance_id, callback.student_number
    async with sessionmaker() as session, session.begin():
        attendance = await attendance_repo.get_attendance(session, aid)
        if attendance is None:
            raise AttendanceNotFound(f"attendance {aid} does not exist")
        persisted_at = attendance.persisted_at or now
        if now - persisted_at > timedelta(seconds=settings.face_late_callback_seconds):
            raise CallbackTooLate(
                f"attendance {aid} was stored more than {settings.face_late_callback_seconds} s "
                "ago; the teacher decides by hand now",
            )
        record = await attendance_repo.get_record(session, aid, student)
        if record is None:
            raise RecordNotFound(f"no record of {student} in attendance {aid}")
        late = is_late(record.checked_in_at, attendance.starts_at, attendance.late_after_minutes)
        status, fail_reason = callback_outcome(callback.result, late=late)
        settled = await attendance_repo.settle_pending_record(
            session,
            aid,
            student,
            status=status,
            fail_reason=fail_reason,
            updated_at=now,
            waiting_reasons=[VERIFICATION_TIMEOUT],
        )
        if not settled:
            raise RecordNotPending(
                f"the record of {student} in attendance {aid} is {record.status}, "
                "not waiting for verification; it is left as it is",
                details={"status": record.status},
            )
        await _audit_late_result(session, callback, status, now)
    return FaceResult(callback.callback_id, aid, student, status, fail_reason, "database")


async def _audit_late_result(
    session: AsyncSession, callback: FaceCallback, status: RecordStatus, now: datetime
) -> None:
    """Not a teacher's change, but it alters stored history: say who and why."""
    await audit_repo.add_audit(
        session,
        actor=FACE_VERIFICATION,
        action="late_face_result",
        attendance_id=callback.attendance_id,
        student_number=callback.student_number,
        details={
            "callback_id": callback.callback_id,
            "result": callback.result,
            "score": callback.score,
            "status": status.value,
        },
        at=now,
    )


def _temporary(exc: Exception) -> bool:
    """Failures the service should retry: the callback id stays usable for them."""
    if not isinstance(exc, AttnError):
        return True  # Redis or the database failed
    return isinstance(exc, RecordNotFound | Busy)


async def handle_callback(
    redis: RedisClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    headers: Mapping[str, str],
    raw_body: bytes,
    now: datetime,
) -> FaceResult:
    """Everything ``POST /api/v1/verification/callback`` does (see the module docstring).

    Raises ServiceUnavailable ``verification_unavailable`` (no secret configured), the
    errors of :func:`verify_callback` and :func:`apply_face_result`, Conflict
    ``callback_replayed``, NotFound ``unknown_callback`` and InvalidInput
    ``callback_mismatch`` (the id was issued for another attendance or student).
    """
    secret = configured_secret(settings)
    callback = verify_callback(
        headers, raw_body, secret, now, settings.face_callback_max_skew_seconds
    )
    replayed = CallbackReplayed(f"callback {callback.callback_id} was already used")
    if await redis.callback_was_seen(callback.callback_id):
        raise replayed  # before the request check: an applied callback's request is gone
    await _ensure_issued_for(redis, callback)
    if not await redis.mark_callback_seen(callback.callback_id, replay_ttl(settings)):
        raise replayed
    try:
        result = await apply_face_result(redis, sessionmaker, settings, callback, now)
    except Exception as exc:
        if _temporary(exc):
            await redis.forget_callback_seen(callback.callback_id)
        raise
    await redis.delete_face_request(callback.callback_id)
    _log_result(callback, result)
    return result


def _log_result(callback: FaceCallback, result: FaceResult) -> None:
    log.info(
        "face result %s for %s/%s: %s (%s)",
        callback.result,
        callback.attendance_id,
        callback.student_number,
        result.status,
        result.stored_in,
    )


async def _ensure_issued_for(redis: RedisClient, callback: FaceCallback) -> None:
    """The callback id must be one we issued for this attendance and student. Checked
    before the replay mark is set: a callback that names the wrong student (a confused or
    stale answer) must not spend the id, or the service's right answer for the live request
    would be refused as a replay."""
    request = await redis.get_face_request(callback.callback_id)
    if request is None:
        raise UnknownCallback(
            f"callback id {callback.callback_id} was not issued (or has expired)",
        )
    if (request.attendance_id, request.student_number) != (
        callback.attendance_id,
        callback.student_number,
    ):
        raise CallbackMismatch(
            "the callback names another attendance or student than its request",
        )
