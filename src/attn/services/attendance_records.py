"""The teacher's side of the records: the views of one attendance and the decisions.

Reads and writes go to Redis while the attendance is live and to SQL once it is stored;
a write that finds the attendance persisted meanwhile (``attendance_not_live``) is redone
on the archive. The views return ready JSON (see ``live_records_json``) so a lecture hall
of records is served without building a model per record.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.db.sql.rows import AttendanceRow, RecordRow, UserUpsert
from attn.errors import AttendanceDeleted, Conflict, InvalidInput, NotFound
from attn.models import AttendanceRecordRedis, LessonRedis, RecordStatus, Role, UserRedis
from attn.models.api_attendances import RecordOut, RecordsSummary, SavedRecord, SaveRecordIn
from attn.models.types import utcnow
from attn.services.attendances import (
    archived,
    audit,
    ensure_can_manage,
    is_not_live,
    lesson_out,
    lesson_state,
    live_records_json,
    locate,
    record_not_found,
    record_out,
    records_json,
    row_out,
    row_record_out,
    row_state,
    self_status,
    user_names,
    with_records,
)

TEACHER_REJECTED = "teacher_rejected"


# --- views --------------------------------------------------------------------------


async def attendance_detail(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    attendance_id: UUID,
    now: datetime | None = None,
) -> bytes:
    """``AttendanceDetailOut`` JSON: live from Redis, else from SQL, the same shape."""
    now = now or utcnow()
    view = await redis.live_view(attendance_id)
    if view is not None:
        ensure_can_manage(user, view.lesson.teacher_number)
        return with_records(lesson_out(view.lesson, now), live_records_json(view.raw_records))
    row = await archived(session, attendance_id)
    ensure_can_manage(user, row.teacher_number)
    records, names = await _archived_records(session, row)
    return with_records(row_out(row, names[row.teacher_number], now), records_json(records))


async def attendance_records(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    attendance_id: UUID,
    now: datetime | None = None,
) -> bytes:
    """``RecordsOut`` JSON: the teacher's list, live from Redis, else from SQL."""
    now = now or utcnow()
    view = await redis.live_view(attendance_id)
    if view is not None:
        ensure_can_manage(user, view.lesson.teacher_number)
        summary = RecordsSummary(
            attendance_id=attendance_id,
            source="live",
            state=lesson_state(view.lesson, now),
            count=len(view.raw_records),
        )
        return with_records(summary, live_records_json(view.raw_records))
    row = await archived(session, attendance_id)
    ensure_can_manage(user, row.teacher_number)
    records, _names = await _archived_records(session, row)
    summary = RecordsSummary(
        attendance_id=attendance_id, source="archive", state=row_state(row, now), count=len(records)
    )
    return with_records(summary, records_json(records))


async def _archived_records(
    session: AsyncSession, row: AttendanceRow
) -> tuple[list[RecordOut], dict[str, str]]:
    """The stored records that are not deleted (also of a deleted attendance, which only
    its teacher and admins see) and the names of everyone involved."""
    rows = await repository.list_records(session, row.attendance_id, include_deleted=True)
    rows = [record for record in rows if record.deleted_at is None]
    names = await user_names(session, [row.teacher_number, *(r.student_number for r in rows)])
    return [row_record_out(r, names[r.student_number]) for r in rows], names


# --- decisions ----------------------------------------------------------------------


async def decide_record(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    attendance_id: UUID,
    student_number: str,
    *,
    accept: bool,
    reason: str | None,
    now: datetime | None = None,
) -> RecordOut:
    """Accept (present, or late by the check-in time) or reject (``teacher_rejected``)."""
    now = now or utcnow()
    action = "record_accepted" if accept else "record_rejected"
    located = await locate(redis, session, attendance_id)
    ensure_can_manage(user, located.teacher_number)
    lesson = located.lesson
    if lesson is not None:
        _refuse_deleted(lesson.deleted_at, attendance_id)
        current = await redis.get_attendance_record(attendance_id, student_number)
        if current is None:
            if await redis.get_lesson(attendance_id) is not None:
                raise record_not_found(attendance_id, student_number)
        else:
            status = _decision(accept, lesson.starts_at, lesson.late_after_minutes, current)
            try:
                record = await redis.decide_record(
                    attendance_id,
                    student_number,
                    status=status,
                    decided_by=user.user_number,
                    fail_reason=None if accept else TEACHER_REJECTED,
                    now=now,
                )
            except NotFound as error:
                if not is_not_live(error):
                    raise
            else:
                details = _change(reason, current.status, record.status)
                await audit(
                    session,
                    actor=user,
                    action=action,
                    attendance_id=attendance_id,
                    student_number=student_number,
                    details=details,
                    live=True,
                    at=now,
                )
                return record_out(record)
    row = await archived(session, attendance_id)
    _refuse_deleted(row.deleted_at, attendance_id)
    stored = await repository.get_record(session, attendance_id, student_number)
    if stored is None:
        raise record_not_found(attendance_id, student_number)
    updated = dataclasses.replace(
        stored,
        status=_decision(accept, row.starts_at, row.late_after_minutes, stored),
        decided_by=user.user_number,
        fail_reason=None if accept else TEACHER_REJECTED,
        updated_at=now,
    )
    await repository.upsert_records(session, [updated])
    await audit(
        session,
        actor=user,
        action=action,
        attendance_id=attendance_id,
        student_number=student_number,
        details=_change(reason, stored.status, updated.status),
        live=False,
        at=now,
    )
    names = await user_names(session, [student_number])
    return row_record_out(updated, names[student_number])


async def save_record(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    attendance_id: UUID,
    student_number: str,
    body: SaveRecordIn,
    now: datetime | None = None,
) -> SavedRecord:
    """Add a student by hand or set a record's status; the teacher's word is final."""
    now = now or utcnow()
    located = await locate(redis, session, attendance_id)
    ensure_can_manage(user, located.teacher_number)
    if located.lesson is not None:
        saved = await _save_live(redis, session, user, located.lesson, student_number, body, now)
        if saved is not None:
            return saved
    row = await archived(session, attendance_id)
    _refuse_deleted(row.deleted_at, attendance_id)
    if body.reason is None:
        raise InvalidInput(
            "a reason is required to change a stored attendance",
            code="reason_required",
            details={"field": "reason"},
        )
    stored = await repository.get_record(
        session, attendance_id, student_number, include_deleted=True
    )
    if stored is not None and stored.deleted_at is not None:
        raise Conflict(f"the record of {student_number} was deleted", code="record_deleted")
    users = await repository.get_users(session, [student_number])
    on_file = users.get(student_number)
    if on_file is None:
        name = _name_for_new(body)
        student = UserUpsert(student_number, name, Role.STUDENT, updated_at=now)
        await repository.upsert_users(session, [student])
    else:
        name = on_file.full_name  # a stored user keeps the name on file
    fail_reason = TEACHER_REJECTED if body.status == "rejected" else None
    if stored is None:
        new = RecordRow(
            attendance_id=attendance_id,
            student_number=student_number,
            status=RecordStatus(body.status),
            checked_in_at=now,
            updated_at=now,
            fail_reason=fail_reason,
            decided_by=user.user_number,
            attempt_count=0,
        )
    else:
        new = dataclasses.replace(
            stored,
            status=RecordStatus(body.status),
            fail_reason=fail_reason,
            decided_by=user.user_number,
            updated_at=now,
        )
    await repository.upsert_records(session, [new])
    await audit(
        session,
        actor=user,
        action="record_saved",
        attendance_id=attendance_id,
        student_number=student_number,
        details=_change(body.reason, stored.status if stored else None, new.status),
        live=False,
        at=now,
    )
    return SavedRecord(record=row_record_out(new, name), created=stored is None)


async def _save_live(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    lesson: LessonRedis,
    student_number: str,
    body: SaveRecordIn,
    now: datetime,
) -> SavedRecord | None:
    """The live half of :func:`save_record`; None when the attendance was persisted."""
    attendance_id = lesson.attendance_id
    _refuse_deleted(lesson.deleted_at, attendance_id)
    current = await redis.get_attendance_record(attendance_id, student_number)
    if current is None:
        base = {"checked_in_at": now, "attempt_count": 0, "user_full_name": _name_for_new(body)}
    else:
        base = current.model_dump(exclude={"status", "fail_reason", "decided_by", "updated_at"})
        if body.full_name is not None:
            base["user_full_name"] = body.full_name
    record = AttendanceRecordRedis.model_validate(
        {
            **base,
            "attendance_id": attendance_id,
            "student_number": student_number,
            "status": body.status,
            "fail_reason": TEACHER_REJECTED if body.status == "rejected" else None,
            "decided_by": user.user_number,
            "updated_at": now,
        }
    )
    try:
        await redis.save_attendance_record_user(record)
    except NotFound as error:
        if not is_not_live(error):
            raise
        return None
    await audit(
        session,
        actor=user,
        action="record_saved",
        attendance_id=attendance_id,
        student_number=student_number,
        details=_change(body.reason, current.status if current else None, record.status),
        live=True,
        at=now,
    )
    return SavedRecord(record=record_out(record), created=current is None)


async def delete_record(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    attendance_id: UUID,
    student_number: str,
    reason: str,
    now: datetime | None = None,
) -> None:
    """Remove a record: from Redis while live (the audit entry keeps what it held), soft
    deleted with the reason once stored."""
    now = now or utcnow()
    located = await locate(redis, session, attendance_id)
    ensure_can_manage(user, located.teacher_number)
    if located.lesson is not None:
        _refuse_deleted(located.lesson.deleted_at, attendance_id)
        current = await redis.get_attendance_record(attendance_id, student_number)
        if current is not None and await redis.delete_record(attendance_id, student_number):
            await audit(
                session,
                actor=user,
                action="record_deleted",
                attendance_id=attendance_id,
                student_number=student_number,
                details={"reason": reason, "record": current.model_dump(mode="json")},
                live=True,
                at=now,
            )
            return
        if await redis.get_lesson(attendance_id) is not None:
            raise record_not_found(attendance_id, student_number)
    row = await archived(session, attendance_id)
    _refuse_deleted(row.deleted_at, attendance_id)
    deleted = await repository.soft_delete_record(
        session, attendance_id, student_number, reason=reason, at=now
    )
    if not deleted:
        raise record_not_found(attendance_id, student_number)
    await audit(
        session,
        actor=user,
        action="record_deleted",
        attendance_id=attendance_id,
        student_number=student_number,
        details={"reason": reason},
        live=False,
        at=now,
    )


# --- helpers ------------------------------------------------------------------------


def _decision(
    accept: bool,
    starts_at: datetime,
    late_after_minutes: int | None,
    record: AttendanceRecordRedis | RecordRow,
) -> RecordStatus:
    if not accept:
        return RecordStatus.REJECTED
    return self_status(starts_at, late_after_minutes, record.checked_in_at)


def _change(
    reason: str | None, before: RecordStatus | None, after: RecordStatus
) -> dict[str, str | None]:
    details: dict[str, str | None] = {"before": before, "after": after}
    if reason is not None:
        details["reason"] = reason
    return details


def _name_for_new(body: SaveRecordIn) -> str:
    if body.full_name is None:
        raise InvalidInput(
            "full_name is required to add a student",
            code="full_name_required",
            details={"field": "full_name"},
        )
    return body.full_name


def _refuse_deleted(deleted_at: datetime | None, attendance_id: UUID) -> None:
    if deleted_at is not None:
        raise AttendanceDeleted(f"attendance {attendance_id} was deleted")
