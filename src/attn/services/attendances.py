"""What every attendance use case shares: finding an attendance live (Redis) or archived
(SQL), who may manage it, its state, the API views, and the audit log.

The use cases live next to this module: ``attendance_start`` (start, active),
``attendance_manage`` (finish, delete, correct a stored one), ``attendance_records``
(the teacher's views and decisions), ``attendance_history``, ``attendance_export``, and
``checkin`` for students.

Audit: every manual change reaches ``audit_log`` exactly once, whatever fails. A change to
a *stored* attendance writes its row in the request's transaction (both or neither). A
change to a *live* attendance must not need the database (a lecture goes on while it is
down), so its entry (:func:`live_audit`) is written into Redis in the same atomic step as
the change, beside the attendance, and the persistence job moves it into ``audit_log`` in
the transaction that stores the attendance (an outbox, see ``docs/architecture.md``).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pydantic_core
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.db.sql.rows import AttendanceRow, RecordRow
from attn.errors import Forbidden, NotFound
from attn.models import (
    AttendanceRecordRedis,
    AuditEntryRedis,
    CheckSettings,
    LessonRedis,
    RecordStatus,
    Role,
    UserRedis,
)
from attn.models.api_attendances import AttendanceOut, AttendanceState, RecordOut

log = logging.getLogger(__name__)

RECORD_LIST: TypeAdapter[list[RecordOut]] = TypeAdapter(list[RecordOut])
RECORD_FIELDS = frozenset(RecordOut.model_fields)


# --- lookups and permissions --------------------------------------------------------


def attendance_not_found(attendance_id: UUID) -> NotFound:
    return NotFound(f"no attendance {attendance_id}", code="attendance_not_found")


def record_not_found(attendance_id: UUID, student_number: str) -> NotFound:
    return NotFound(
        f"no record of {student_number} in attendance {attendance_id}", code="record_not_found"
    )


def ensure_can_manage(user: UserRedis, teacher_number: str) -> None:
    """Admins manage every attendance, a teacher only their own."""
    if user.role is Role.ADMIN or user.user_number == teacher_number:
        return
    raise Forbidden("this attendance belongs to another teacher", code="not_your_attendance")


@dataclass(frozen=True)
class Located:
    """An attendance where it lives now: exactly one of ``lesson`` / ``row`` is set."""

    lesson: LessonRedis | None = None
    row: AttendanceRow | None = None

    @property
    def teacher_number(self) -> str:
        if self.lesson is not None:
            return self.lesson.teacher_number
        assert self.row is not None
        return self.row.teacher_number


async def locate(redis: RedisClient, session: AsyncSession, attendance_id: UUID) -> Located:
    """Redis first (live, the truth until persisted), then SQL, deleted ones included.

    Persistence commits to SQL before it removes the Redis keys, so an attendance that is
    gone from Redis is always found in SQL: there is no gap in between.
    """
    lesson = await redis.get_lesson(attendance_id)
    if lesson is not None:
        return Located(lesson=lesson)
    return Located(row=await archived(session, attendance_id))


async def archived(session: AsyncSession, attendance_id: UUID) -> AttendanceRow:
    row = await repository.get_attendance(session, attendance_id, include_deleted=True)
    if row is None:
        raise attendance_not_found(attendance_id)
    return row


async def user_names(session: AsyncSession, numbers: list[str]) -> dict[str, str]:
    """Full names on file; a number without a user (impossible with the foreign keys, but
    cheap to survive) maps to itself."""
    found = await repository.get_users(session, numbers)
    return {number: found[number].full_name if number in found else number for number in numbers}


def is_not_live(error: NotFound) -> bool:
    """The attendance left Redis meanwhile (persisted): redo the work on the archive."""
    return error.code == "attendance_not_live"


# --- state and views ----------------------------------------------------------------


def state_of(
    starts_at: datetime,
    ends_at: datetime,
    finished_at: datetime | None,
    deleted_at: datetime | None,
    now: datetime,
) -> AttendanceState:
    if deleted_at is not None:
        return "deleted"
    if finished_at is not None:
        return "finished"
    if now < starts_at:
        return "scheduled"
    if now >= ends_at:
        return "ended"
    return "open"


def lesson_state(lesson: LessonRedis, now: datetime) -> AttendanceState:
    return state_of(lesson.starts_at, lesson.ends_at, lesson.finished_at, lesson.deleted_at, now)


def row_state(row: AttendanceRow, now: datetime) -> AttendanceState:
    return state_of(row.starts_at, row.ends_at, row.finished_at, row.deleted_at, now)


def self_status(starts_at: datetime, late_after_minutes: int | None, at: datetime) -> RecordStatus:
    """``late`` for a check-in more than ``late_after_minutes`` after the start."""
    if late_after_minutes is not None and at > starts_at + timedelta(minutes=late_after_minutes):
        return RecordStatus.LATE
    return RecordStatus.PRESENT


def lesson_out(lesson: LessonRedis, now: datetime) -> AttendanceOut:
    return AttendanceOut(
        attendance_id=lesson.attendance_id,
        lesson_name=lesson.lesson_name,
        teacher_number=lesson.teacher_number,
        teacher_full_name=lesson.teacher_full_name,
        starts_at=lesson.starts_at,
        ends_at=lesson.ends_at,
        late_after_minutes=lesson.late_after_minutes,
        checks=lesson.checks,
        state=lesson_state(lesson, now),
        source="live",
        created_at=lesson.created_at,
        finished_at=lesson.finished_at,
        deleted_at=lesson.deleted_at,
        deletion_reason=lesson.deletion_reason,
        persisted_at=None,
    )


def row_out(row: AttendanceRow, teacher_full_name: str, now: datetime) -> AttendanceOut:
    return AttendanceOut(
        attendance_id=row.attendance_id,
        lesson_name=row.lesson_name,
        teacher_number=row.teacher_number,
        teacher_full_name=teacher_full_name,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        late_after_minutes=row.late_after_minutes,
        checks=stored_checks(row.settings),
        state=row_state(row, now),
        source="archive",
        created_at=row.created_at,
        finished_at=row.finished_at,
        deleted_at=row.deleted_at,
        deletion_reason=row.deletion_reason,
        persisted_at=row.persisted_at,
    )


def stored_checks(settings: dict[str, Any]) -> CheckSettings:
    """Stored settings, tolerating keys a newer version may have added."""
    known = {key: value for key, value in settings.items() if key in CheckSettings.model_fields}
    try:
        return CheckSettings.model_validate(known)
    except ValidationError:
        log.warning("unreadable check settings %r; shown as defaults", settings)
        return CheckSettings()


def record_out(record: AttendanceRecordRedis) -> RecordOut:
    return RecordOut.model_validate(record.model_dump())


def for_student(record: RecordOut) -> RecordOut:
    """A student's own record as they see it: a rejection's reason tells them why; the
    reasons of other decisions are notes for the teacher."""
    if record.decision_reason is None or record.status is RecordStatus.REJECTED:
        return record
    return record.model_copy(update={"decision_reason": None})


def row_record_out(row: RecordRow, full_name: str) -> RecordOut:
    return RecordOut(
        attendance_id=row.attendance_id,
        student_number=row.student_number,
        user_full_name=full_name,
        status=row.status,
        checked_in_at=row.checked_in_at,
        fail_reason=row.fail_reason,
        decided_by=row.decided_by,
        client_ip=row.client_ip,
        device_id=row.device_id,
        attempt_count=row.attempt_count,
        updated_at=row.updated_at,
        decision_reason=row.decision_reason,
    )


def live_records_json(raw_records: list[bytes]) -> bytes:
    """The JSON array of stored records, by student number, without a model per record.

    Records reach Redis only through the validated models, so this checks their shape, not
    every value: the joined list must parse as JSON (pydantic-core's parser, ~2 ms for a
    lecture hall of 1,500) and each record must have exactly ``RecordOut``'s fields. The
    stored bytes are then passed through in order. Building a model per record costs 4-8 ms
    more, re-parsing into the Redis model and dumping again ~25 ms. A record of any other
    shape sends the list down the slow path, which validates each one and skips bad ones
    (as ``get_attendance_record_users`` does).
    """
    if not raw_records:
        return b"[]"
    try:
        parsed = pydantic_core.from_json(b"[" + b",".join(raw_records) + b"]")
    except ValueError:
        return records_json(_parse_each(raw_records))
    if len(parsed) != len(raw_records) or not all(map(_record_shaped, parsed)):
        return records_json(_parse_each(raw_records))
    order = sorted(range(len(parsed)), key=lambda index: parsed[index]["student_number"])
    return b"[" + b",".join([raw_records[index] for index in order]) + b"]"


def _record_shaped(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and item.keys() == RECORD_FIELDS
        and isinstance(item["student_number"], str)
    )


def _parse_each(raw_records: list[bytes]) -> list[RecordOut]:
    records: list[RecordOut] = []
    for raw in raw_records:
        try:
            records.append(record_out(AttendanceRecordRedis.from_json(raw)))
        except ValidationError:
            log.warning("unparsable record skipped in a teacher's view: %.200r", raw)
    return records


def records_json(records: list[RecordOut]) -> bytes:
    return RECORD_LIST.dump_json(sorted(records, key=lambda record: record.student_number))


def with_records(header: BaseModel, records: bytes) -> bytes:
    """``header``'s JSON object with a ``records`` member holding the array ``records``."""
    head = header.model_dump_json().encode()
    return head[:-1] + b',"records":' + records + b"}"


# --- audit --------------------------------------------------------------------------


def live_audit(
    actor: UserRedis,
    action: str,
    attendance_id: UUID,
    details: dict[str, Any],
    *,
    at: datetime,
    student_number: str | None = None,
) -> AuditEntryRedis:
    """The audit entry of a change to a live attendance, for the Redis write that makes it."""
    return AuditEntryRedis(
        entry_id=uuid.uuid4(),
        at=at,
        actor=actor.user_number,
        action=action,
        attendance_id=attendance_id,
        student_number=student_number,
        details={"role": actor.role.value, **details},
    )


async def stored_audit(
    session: AsyncSession,
    actor: UserRedis,
    action: str,
    attendance_id: UUID,
    details: dict[str, Any],
    *,
    at: datetime,
    student_number: str | None = None,
) -> None:
    """Write the audit row of a change to a stored attendance, in the change's transaction."""
    entry = live_audit(actor, action, attendance_id, details, at=at, student_number=student_number)
    await repository.add_audit(session, **entry.model_dump())
