"""The teacher's side of the records: the views of one attendance and the decisions.

Reads and writes go to Redis while the attendance is live and to SQL once it is stored;
a write that finds the attendance persisted meanwhile (``attendance_not_live``) is redone
on the archive. A live change carries its audit entry into Redis in the same atomic step
(see ``attendances``); a stored one writes it in the same transaction. Either way the
teacher's reason stays on the record (``decision_reason``) for the views. The views return
ready JSON (see ``live_records_json``) so a lecture hall of records is served without
building a model per record.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.db.sql.rows import RecordRow, UserFromAttendance
from attn.errors import (
    AttendanceDeleted,
    Conflict,
    InvalidInput,
    NotAStudent,
    NotFound,
)
from attn.models import (
    AttendanceRecordRedis,
    AuditEntryRedis,
    LessonRedis,
    RecordStatus,
    Role,
    UserRedis,
)
from attn.models.api_attendances import (
    RecordOut,
    SavedRecord,
    SaveRecordIn,
)
from attn.models.types import utcnow
from attn.services.attendance.locate import (
    archived,
    ensure_can_manage,
    is_not_live,
    locate,
    record_not_found,
    user_names,
)
from attn.services.attendance.rules import (
    self_status,
)
from attn.services.attendance.views import (
    record_out,
    row_record_out,
)
from attn.services.audit import live_audit, stored_audit

TEACHER_REJECTED = "teacher_rejected"


_DATABASE_DOWN = (OperationalError, InterfaceError, OSError)


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
    located = await locate(redis, session, attendance_id)
    ensure_can_manage(user, located.teacher_number)
    if located.lesson is not None:
        decided = await _decide_live(
            redis, user, located.lesson, student_number, accept, reason, now
        )
        if decided is not None:
            return decided
    return await _decide_archived(session, user, attendance_id, student_number, accept, reason, now)


async def _decide_live(
    redis: RedisClient,
    user: UserRedis,
    lesson: LessonRedis,
    student_number: str,
    accept: bool,
    reason: str | None,
    now: datetime,
) -> RecordOut | None:
    """The live half of :func:`decide_record`; None when the attendance was persisted."""
    attendance_id = lesson.attendance_id
    _refuse_deleted(lesson.deleted_at, attendance_id)
    current = await redis.get_attendance_record(attendance_id, student_number)
    if current is None:
        if await redis.get_lesson(attendance_id) is not None:
            raise record_not_found(attendance_id, student_number)
        return None

    def entry(before: AttendanceRecordRedis, after: AttendanceRecordRedis) -> AuditEntryRedis:
        details = _change(reason, before.status, after.status)
        return live_audit(
            user, _action(accept), attendance_id, details, at=now, student_number=student_number
        )

    try:
        record = await redis.decide_record(
            attendance_id,
            student_number,
            status=_decision(accept, lesson.starts_at, lesson.late_after_minutes, current),
            decided_by=user.user_number,
            fail_reason=None if accept else TEACHER_REJECTED,
            now=now,
            reason=reason,
            audit=entry,
        )
    except NotFound as error:
        if not is_not_live(error):
            raise
        return None
    return record_out(record)


async def _decide_archived(
    session: AsyncSession,
    user: UserRedis,
    attendance_id: UUID,
    student_number: str,
    accept: bool,
    reason: str | None,
    now: datetime,
) -> RecordOut:
    row = await archived(session, attendance_id)
    _refuse_deleted(row.deleted_at, attendance_id)
    _require_reason(reason)
    stored = await repository.get_record(session, attendance_id, student_number)
    if stored is None:
        raise record_not_found(attendance_id, student_number)
    updated = dataclasses.replace(
        stored,
        status=_decision(accept, row.starts_at, row.late_after_minutes, stored),
        decided_by=user.user_number,
        fail_reason=None if accept else TEACHER_REJECTED,
        decision_reason=reason,
        updated_at=now,
    )
    await repository.upsert_records(session, [updated])
    details = _change(reason, stored.status, updated.status)
    await stored_audit(
        session,
        user,
        _action(accept),
        attendance_id,
        details,
        at=now,
        student_number=student_number,
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
    return await _save_archived(session, user, attendance_id, student_number, body, now)


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
        name = await _live_student_name(redis, session, student_number, body)
        base = {"checked_in_at": now, "attempt_count": 0, "user_full_name": name}
    else:
        base = current.model_dump(exclude=_DECISION_FIELDS)
    record = AttendanceRecordRedis.model_validate(
        {
            **base,
            "attendance_id": attendance_id,
            "student_number": student_number,
            "status": body.status,
            "fail_reason": TEACHER_REJECTED if body.status == "rejected" else None,
            "decided_by": user.user_number,
            "decision_reason": body.reason,
            "updated_at": now,
        }
    )
    details = _change(body.reason, current.status if current else None, record.status)
    entry = live_audit(
        user, "record_saved", attendance_id, details, at=now, student_number=student_number
    )
    try:
        await redis.save_attendance_record_user(record, audit=entry)
    except NotFound as error:
        if not is_not_live(error):
            raise
        return None
    return SavedRecord(record=record_out(record), created=current is None)


async def _save_archived(
    session: AsyncSession,
    user: UserRedis,
    attendance_id: UUID,
    student_number: str,
    body: SaveRecordIn,
    now: datetime,
) -> SavedRecord:
    row = await archived(session, attendance_id)
    _refuse_deleted(row.deleted_at, attendance_id)
    _require_reason(body.reason)
    stored = await repository.get_record(
        session, attendance_id, student_number, include_deleted=True
    )
    if stored is not None and stored.deleted_at is not None:
        raise Conflict(f"the record of {student_number} was deleted", code="record_deleted")
    name = await _stored_student_name(session, student_number, body, now)
    changes: dict[str, Any] = {
        "status": RecordStatus(body.status),
        "fail_reason": TEACHER_REJECTED if body.status == "rejected" else None,
        "decided_by": user.user_number,
        "decision_reason": body.reason,
        "updated_at": now,
    }
    if stored is None:
        new = RecordRow(
            attendance_id=attendance_id,
            student_number=student_number,
            checked_in_at=now,
            attempt_count=0,
            **changes,
        )
    else:
        new = dataclasses.replace(stored, **changes)
    await repository.upsert_records(session, [new])
    details = _change(body.reason, stored.status if stored else None, new.status)
    await stored_audit(
        session, user, "record_saved", attendance_id, details, at=now, student_number=student_number
    )
    return SavedRecord(record=row_record_out(new, name), created=stored is None)


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

        def entry(removed: AttendanceRecordRedis) -> AuditEntryRedis:
            details = {"reason": reason, "record": removed.model_dump(mode="json")}
            return live_audit(
                user,
                "record_deleted",
                attendance_id,
                details,
                at=now,
                student_number=student_number,
            )

        if await redis.delete_record(attendance_id, student_number, audit=entry):
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
    await stored_audit(
        session,
        user,
        "record_deleted",
        attendance_id,
        {"reason": reason},
        at=now,
        student_number=student_number,
    )


async def _live_student_name(
    redis: RedisClient, session: AsyncSession, student_number: str, body: SaveRecordIn
) -> str:
    """The name of a student added to a live attendance: the directory's, which wins over a
    typed one. With the database down the class goes on: a logged-in user's session says
    who they are (it follows the directory), else the typed name is used, and persistence
    will create the student only if nobody has that number by then."""
    try:
        on_file = (await repository.get_users(session, [student_number])).get(student_number)
    except _DATABASE_DOWN:
        known = await redis.get_user_session(student_number)
        if known is None:
            return _typed_name(body)
        _ensure_student(student_number, known.role)
        return known.full_name
    if on_file is None:
        return _typed_name(body)
    _ensure_student(student_number, on_file.role)
    return on_file.full_name


async def _stored_student_name(
    session: AsyncSession, student_number: str, body: SaveRecordIn, now: datetime
) -> str:
    """The directory's name of a student added to a stored attendance; a number nobody has
    becomes a new student under the typed name, in the change's transaction."""
    on_file = (await repository.get_users(session, [student_number])).get(student_number)
    if on_file is not None:
        _ensure_student(student_number, on_file.role)
        return on_file.full_name
    name = _typed_name(body)
    student = UserFromAttendance(student_number, name, Role.STUDENT, seen_at=now)
    await repository.insert_missing_users(session, [student])
    return name


def _ensure_student(user_number: str, role: Role) -> None:
    if role is not Role.STUDENT:
        raise NotAStudent(
            f"{user_number} is a {role.value}'s number, not a student's",
            details={"field": "student_number", "role": role.value},
        )


def _typed_name(body: SaveRecordIn) -> str:
    if body.full_name is None:
        raise InvalidInput(
            "full_name is required to add a student who is not in the user directory",
            code="full_name_required",
            details={"field": "full_name"},
        )
    return body.full_name


_DECISION_FIELDS = {"status", "fail_reason", "decided_by", "decision_reason", "updated_at"}


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


def _change(
    reason: str | None, before: RecordStatus | None, after: RecordStatus
) -> dict[str, str | None]:
    details: dict[str, str | None] = {"before": before, "after": after}
    if reason is not None:
        details["reason"] = reason
    return details


def _require_reason(reason: str | None) -> None:
    """Every change of a stored attendance says why (it rewrites history)."""
    if reason is None:
        raise InvalidInput(
            "a reason is required to change a stored attendance",
            code="reason_required",
            details={"field": "reason"},
        )


def _refuse_deleted(deleted_at: datetime | None, attendance_id: UUID) -> None:
    if deleted_at is not None:
        raise AttendanceDeleted(f"attendance {attendance_id} was deleted")
