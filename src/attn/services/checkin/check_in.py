"""A student's check-in.

Check-in is one atomic Redis script (``RedisClient.check_in``): it refuses an attendance
that is not open, never duplicates a record and never overwrites a teacher's decision. A
repeated check-in returns the record already there, so a student tapping twice on a slow
network is harmless. The attendance's security checks run first
(:mod:`attn.services.security.checkin_checks`, docs/design.md#check-in-checks); a failed
one is stored as a rejected attempt that the student's next correct attempt replaces.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from attn.config import Settings
from attn.course_errors import NotEnrolled
from attn.db.outcomes import CheckInRefused, DataOutcome, NotLive
from attn.db.redis.records import NOT_ENROLLED
from attn.db.redis_client import CheckInResult, RedisClient
from attn.models import AttendanceRecordRedis, LessonRedis, RecordStatus, UserRedis
from attn.models.types import SELF
from attn.services import metrics
from attn.services.attendance.rules import self_status
from attn.services.attendance.views import record_out
from attn.services.checkin.refusals import refuse_unless_open, stored_or_unknown
from attn.services.outcomes import domain_error
from attn.services.security.checkin_checks import (
    CheckInAttempt,
    Verdict,
    run_checks,
    submit_face,
)
from attn.services.security.devices import DEVICE_REUSED
from attn.services.security.face import FaceVerifier

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckInOutcome:
    record_json: bytes
    """The record the student has now, as ``RecordOut`` JSON."""
    created: bool


@dataclass
class _Decision:
    """What the checks made of the attempt: the record's status and why it failed, if it
    did, and the face request it waits for."""

    status: RecordStatus
    fail_reason: str | None
    callback_id: str | None = None


async def check_in(
    redis: RedisClient,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    student: UserRedis,
    attendance_id: UUID,
    attempt: CheckInAttempt,
    lesson: LessonRedis | None,
    *,
    now: datetime,
    verifier: FaceVerifier | None = None,
) -> CheckInOutcome:
    """Check the student in, or return the record already there; ``lesson`` is the one
    :func:`~attn.services.checkin.admission.admit` read (None: not live), whose limits the
    caller has enforced. The record is ``present``/``late`` when every check passes,
    ``pending`` while the face verification service decides, and ``rejected`` with the
    first failed check's ``fail_reason`` otherwise. A rejected record of the student's own
    is replaced by the next attempt (``attempt_count`` + 1); anything else (a good record,
    a pending one, a teacher's decision) is kept and returned unchanged. A student not
    on a course's roster: 403 ``not_enrolled`` (:func:`_refuse_not_enrolled`).
    """
    if lesson is None:
        raise await stored_or_unknown(sessions, attendance_id)
    refuse_unless_open(lesson, now)
    checked = await _run_checks(redis, settings, lesson, student, attempt, now)
    on_time = self_status(lesson.starts_at, lesson.late_after_minutes, now)
    decision = _Decision(on_time, checked.fail_reason)
    if decision.fail_reason is None and lesson.checks.face:
        existing = await redis.get_attendance_record(attendance_id, student.user_number)
        if existing is not None and not replaceable(existing):
            metrics.count_checkin("unchanged", None)
            return CheckInOutcome(record_json=_json(existing), created=False)
        await _ask_face(redis, verifier, lesson, student, checked, decision)
    if decision.fail_reason is not None:
        decision.status = RecordStatus.REJECTED
    record = _record(student, attendance_id, attempt, checked, decision, now)
    result = await _store(redis, sessions, record, now, lesson.checks.device, decision.callback_id)
    _observe(result)
    _refuse_not_enrolled(result)
    return _outcome(result)


def _refuse_not_enrolled(result: CheckInResult) -> None:
    """A course attendance's refusal of a student not on its roster, once the attempt is
    stored for the teacher to see."""
    stored = result.record
    if stored.fail_reason == NOT_ENROLLED and (result.created or result.replaced):
        raise NotEnrolled(
            f"{stored.student_number} is not on the roster of this course's attendance; "
            "the attempt was shown to the teacher, who may accept it",
            details={"attendance_id": str(stored.attendance_id), "attempt_recorded": True},
        )


def _observe(result: CheckInResult) -> None:
    """Count the check-in by what it left; log a refused one with its reason."""
    stored = result.record
    if not (result.created or result.replaced):
        metrics.count_checkin("unchanged", None)
        return
    metrics.count_checkin(stored.status.value, stored.fail_reason)
    if stored.status is RecordStatus.REJECTED:
        log.info(
            "check-in refused: attendance=%s student=%s fail_reason=%s attempt=%d",
            stored.attendance_id,
            stored.student_number,
            stored.fail_reason,
            stored.attempt_count,
        )


async def _run_checks(
    redis: RedisClient,
    settings: Settings,
    lesson: LessonRedis,
    student: UserRedis,
    attempt: CheckInAttempt,
    now: datetime,
) -> Verdict:
    try:
        return await run_checks(redis, settings, lesson, student.user_number, attempt, now)
    except DataOutcome as outcome:
        raise domain_error(outcome) from outcome


def _outcome(result: CheckInResult) -> CheckInOutcome:
    stored = result.stored_json
    return CheckInOutcome(
        record_json=stored.encode() if stored is not None else _json(result.record),
        created=result.created or result.replaced,
    )


async def _ask_face(
    redis: RedisClient,
    verifier: FaceVerifier | None,
    lesson: LessonRedis,
    student: UserRedis,
    checked: Verdict,
    decision: _Decision,
) -> None:
    """Send the photo to the verification service: the record waits (``pending``) for its
    callback, or is rejected when the request could not be made."""
    submission = await submit_face(redis, verifier, lesson, student.user_number, checked)
    decision.callback_id, decision.fail_reason = submission.callback_id, submission.fail_reason
    if decision.callback_id is not None:
        decision.status = RecordStatus.PENDING


def _record(
    student: UserRedis,
    attendance_id: UUID,
    attempt: CheckInAttempt,
    checked: Verdict,
    decision: _Decision,
    now: datetime,
) -> AttendanceRecordRedis:
    return AttendanceRecordRedis(
        attendance_id=attendance_id,
        student_number=student.user_number,
        user_full_name=student.full_name,
        status=decision.status,
        checked_in_at=now,
        fail_reason=decision.fail_reason,
        decided_by=SELF,
        client_ip=attempt.client_ip,
        device_id=checked.device_id,
        updated_at=now,
    )


def _json(record: AttendanceRecordRedis) -> bytes:
    """``RecordOut`` JSON of a record. A stored record's own JSON is that too, byte for
    byte (the same fields in the same order and formats), which lets :func:`check_in` send
    the JSON of a plain first check-in on as the script stored it."""
    return record_out(record).model_dump_json().encode()


def replaceable(record: AttendanceRecordRedis) -> bool:
    """A failed attempt of the student's own, which the next attempt replaces (the same
    rule as ``lua/check_in.lua``)."""
    return record.decided_by == SELF and record.status is RecordStatus.REJECTED


async def _store(
    redis: RedisClient,
    sessions: async_sessionmaker[AsyncSession],
    record: AttendanceRecordRedis,
    now: datetime,
    device_check: bool,
    callback_id: str | None,
) -> CheckInResult:
    """Write the record (claiming the device in the same step); a face request whose
    record was not stored as pending is withdrawn, so its callback changes nothing."""
    waiting = False
    try:
        result = await redis.check_in(
            record, now, device_taken_reason=DEVICE_REUSED if device_check else None
        )
        waiting = result.record.status is RecordStatus.PENDING and (
            result.created or result.replaced
        )
    except NotLive as gone:
        raise await stored_or_unknown(sessions, record.attendance_id) from gone
    except CheckInRefused as refused:
        raise domain_error(refused) from refused
    finally:
        if callback_id is not None and not waiting:
            await redis.delete_face_request(callback_id)
    return result
