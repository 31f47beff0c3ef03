"""The teacher's decisions on the records: accept, reject, set by hand, delete.

Each runs through :func:`~attn.services.attendance.locate.live_or_archived`: in Redis while
the attendance is live, in SQL once it is stored, redone on the archive when it was stored
in between. A live change carries its audit entry into Redis in the same atomic step (see
:mod:`attn.services.audit`); a stored one writes it in the same transaction. Either way the
teacher's reason stays on the record (``decision_reason``) for the views.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.outcomes import NotLive
from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.db.sql.rows import AttendanceRow, RecordRow
from attn.errors import AttendanceDeleted, ReasonRequired, RecordDeleted
from attn.models import AttendanceRecordRedis, AuditEntryRedis, LessonRedis, RecordStatus, UserRedis
from attn.models.api_attendances import RecordOut, SavedRecord, SaveRecordIn
from attn.services.attendance.added_student import live_student_name, stored_student_name
from attn.services.attendance.locate import live_or_archived, record_not_found, user_names
from attn.services.attendance.rules import self_status
from attn.services.attendance.views import record_out, row_record_out
from attn.services.audit import live_audit, stored_audit

TEACHER_REJECTED = "teacher_rejected"
_DECISION_FIELDS = {"status", "fail_reason", "decided_by", "decision_reason", "updated_at"}


@dataclass(frozen=True)
class _Change:
    """Who changes which student's record, when and why, and its audit entry."""

    user: UserRedis
    student_number: str
    reason: str | None
    now: datetime

    def live_entry(self, action: str, aid: UUID, details: dict[str, Any]) -> AuditEntryRedis:
        return live_audit(
            self.user, action, aid, details, at=self.now, student_number=self.student_number
        )

    async def store_entry(
        self, session: AsyncSession, action: str, aid: UUID, details: dict[str, Any]
    ) -> None:
        await stored_audit(session, self.live_entry(action, aid, details))


# --- accept / reject ----------------------------------------------------------------


async def decide_record(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    attendance_id: UUID,
    student_number: str,
    *,
    accept: bool,
    reason: str | None,
    now: datetime,
) -> RecordOut:
    """Accept (present, or late by the check-in time) or reject (``teacher_rejected``)."""
    change = _Change(user, student_number, reason, now)
    live = partial(_decide_live, redis, change, accept)
    stored = partial(_decide_stored, session, change, accept)
    found = await redis.get_lesson(attendance_id)
    return await live_or_archived(session, user, attendance_id, found, live, stored)


async def _decide_live(
    redis: RedisClient, change: _Change, accept: bool, lesson: LessonRedis
) -> RecordOut:
    aid, student = lesson.attendance_id, change.student_number
    _refuse_deleted(lesson.deleted_at, aid)
    current = await _live_record(redis, aid, student)

    def entry(before: AttendanceRecordRedis, after: AttendanceRecordRedis) -> AuditEntryRedis:
        details = _transition(change.reason, before.status, after.status)
        return change.live_entry(_action(accept), aid, details)

    record = await redis.decide_record(
        aid,
        student,
        status=_decision(accept, lesson.starts_at, lesson.late_after_minutes, current),
        decided_by=change.user.user_number,
        fail_reason=None if accept else TEACHER_REJECTED,
        now=change.now,
        reason=change.reason,
        audit=entry,
    )
    return record_out(record)


async def _decide_stored(
    session: AsyncSession, change: _Change, accept: bool, row: AttendanceRow
) -> RecordOut:
    aid, student = row.attendance_id, change.student_number
    _refuse_deleted(row.deleted_at, aid)
    _require_reason(change.reason)
    stored = await repository.get_record(session, aid, student)
    if stored is None:
        raise record_not_found(aid, student)
    updated = dataclasses.replace(
        stored,
        status=_decision(accept, row.starts_at, row.late_after_minutes, stored),
        decided_by=change.user.user_number,
        fail_reason=None if accept else TEACHER_REJECTED,
        decision_reason=change.reason,
        updated_at=change.now,
    )
    await repository.upsert_records(session, [updated])
    details = _transition(change.reason, stored.status, updated.status)
    await change.store_entry(session, _action(accept), aid, details)
    names = await user_names(session, [student])
    return row_record_out(updated, names[student])


# --- set by hand ----------------------------------------------------------------------


async def save_record(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    attendance_id: UUID,
    student_number: str,
    body: SaveRecordIn,
    now: datetime,
) -> SavedRecord:
    """Add a student by hand or set a record's status; the teacher's word is final."""
    change = _Change(user, student_number, body.reason, now)
    live = partial(_save_live, redis, session, change, body)
    stored = partial(_save_stored, session, change, body)
    found = await redis.get_lesson(attendance_id)
    return await live_or_archived(session, user, attendance_id, found, live, stored)


async def _save_live(
    redis: RedisClient,
    session: AsyncSession,
    change: _Change,
    body: SaveRecordIn,
    lesson: LessonRedis,
) -> SavedRecord:
    aid, student = lesson.attendance_id, change.student_number
    _refuse_deleted(lesson.deleted_at, aid)
    current = await redis.get_attendance_record(aid, student)
    if current is None:
        name = await live_student_name(redis, session, student, body)
        base = {"checked_in_at": change.now, "attempt_count": 0, "user_full_name": name}
    else:
        base = current.model_dump(exclude=_DECISION_FIELDS)
    record = AttendanceRecordRedis.model_validate(
        {**base, **_by_hand(change, body), "attendance_id": aid, "student_number": student}
    )
    details = _transition(body.reason, current.status if current else None, record.status)
    entry = change.live_entry("record_saved", aid, details)
    await redis.save_attendance_record_user(record, audit=entry)
    return SavedRecord(record=record_out(record), created=current is None)


async def _save_stored(
    session: AsyncSession, change: _Change, body: SaveRecordIn, row: AttendanceRow
) -> SavedRecord:
    aid, student = row.attendance_id, change.student_number
    _refuse_deleted(row.deleted_at, aid)
    _require_reason(body.reason)
    stored = await repository.get_record(session, aid, student, include_deleted=True)
    if stored is not None and stored.deleted_at is not None:
        raise RecordDeleted(f"the record of {student} was deleted")
    name = await stored_student_name(session, student, body, change.now)
    changes = {**_by_hand(change, body), "status": RecordStatus(body.status)}
    if stored is None:
        new = RecordRow(
            attendance_id=aid,
            student_number=student,
            checked_in_at=change.now,
            attempt_count=0,
            **changes,
        )
    else:
        new = dataclasses.replace(stored, **changes)
    await repository.upsert_records(session, [new])
    details = _transition(body.reason, stored.status if stored else None, new.status)
    await change.store_entry(session, "record_saved", aid, details)
    return SavedRecord(record=row_record_out(new, name), created=stored is None)


async def correct_stored_record(
    session: AsyncSession,
    user: UserRedis,
    row: AttendanceRow,
    student_number: str,
    body: SaveRecordIn,
    now: datetime,
) -> SavedRecord:
    """The stored half of :func:`save_record` for a caller that has already decided who may
    change the attendance (an excuse's approval by a teacher of its course): the same
    record, audit entry and reason as the past attendance's page writes."""
    return await _save_stored(session, _Change(user, student_number, body.reason, now), body, row)


def _by_hand(change: _Change, body: SaveRecordIn) -> dict[str, Any]:
    """The fields a teacher's setting of a record writes."""
    return {
        "status": body.status,
        "fail_reason": TEACHER_REJECTED if body.status == "rejected" else None,
        "decided_by": change.user.user_number,
        "decision_reason": body.reason,
        "updated_at": change.now,
    }


# --- delete ---------------------------------------------------------------------------


async def delete_record(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    attendance_id: UUID,
    student_number: str,
    reason: str,
    now: datetime,
) -> None:
    """Remove a record: from Redis while live (the audit entry keeps what it held), soft
    deleted with the reason once stored."""
    change = _Change(user, student_number, reason, now)
    live = partial(_delete_live, redis, change, reason)
    stored = partial(_delete_stored, session, change, reason)
    found = await redis.get_lesson(attendance_id)
    await live_or_archived(session, user, attendance_id, found, live, stored)


async def _delete_live(
    redis: RedisClient, change: _Change, reason: str, lesson: LessonRedis
) -> None:
    aid, student = lesson.attendance_id, change.student_number
    _refuse_deleted(lesson.deleted_at, aid)

    def entry(removed: AttendanceRecordRedis) -> AuditEntryRedis:
        details = {"reason": reason, "record": removed.model_dump(mode="json")}
        return change.live_entry("record_deleted", aid, details)

    if await redis.delete_record(aid, student, audit=entry):
        return
    if await redis.get_lesson(aid) is not None:
        raise record_not_found(aid, student)
    raise NotLive(aid)


async def _delete_stored(
    session: AsyncSession, change: _Change, reason: str, row: AttendanceRow
) -> None:
    aid, student = row.attendance_id, change.student_number
    _refuse_deleted(row.deleted_at, aid)
    deleted = await repository.soft_delete_record(
        session, aid, student, reason=reason, at=change.now
    )
    if not deleted:
        raise record_not_found(aid, student)
    await change.store_entry(session, "record_deleted", aid, {"reason": reason})


# --- rules ----------------------------------------------------------------------------


async def _live_record(redis: RedisClient, aid: UUID, student: str) -> AttendanceRecordRedis:
    """The live record; 404 while the lesson is still there, NotLive once it is stored."""
    current = await redis.get_attendance_record(aid, student)
    if current is not None:
        return current
    if await redis.get_lesson(aid) is not None:
        raise record_not_found(aid, student)
    raise NotLive(aid)


def _action(accept: bool) -> str:
    return "record_accepted" if accept else "record_rejected"


def _decision(
    accept: bool,
    starts_at: datetime,
    late_after_minutes: int | None,
    record: AttendanceRecordRedis | RecordRow,
) -> RecordStatus:
    if not accept:
        return RecordStatus.REJECTED
    return self_status(starts_at, late_after_minutes, record.checked_in_at)


def _transition(
    reason: str | None, before: RecordStatus | None, after: RecordStatus
) -> dict[str, str | None]:
    details: dict[str, str | None] = {"before": before, "after": after}
    if reason is not None:
        details["reason"] = reason
    return details


def _require_reason(reason: str | None) -> None:
    """Every change of a stored attendance says why (it rewrites history)."""
    if reason is None:
        raise ReasonRequired(
            "a reason is required to change a stored attendance", details={"field": "reason"}
        )


def _refuse_deleted(deleted_at: datetime | None, attendance_id: UUID) -> None:
    if deleted_at is not None:
        raise AttendanceDeleted(f"attendance {attendance_id} was deleted")
