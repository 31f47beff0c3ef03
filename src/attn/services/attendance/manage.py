"""A teacher (or admin) closing, deleting or correcting a whole attendance.

Live attendances change in Redis (the persistence job carries the change to SQL); stored
ones change in SQL in the request's transaction, audit entry included. When an attendance
is persisted between our Redis read and our write, the Redis layer says
``attendance_not_live`` and the work is redone on the archive.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.db.sql.rows import AttendanceRow
from attn.errors import (
    AttendanceDeleted,
    AttendanceFinished,
    AttendanceNotStarted,
    Conflict,
    InvalidInput,
    NotFound,
)
from attn.models import UserRedis
from attn.models.api_attendances import AttendanceOut, EditAttendanceIn
from attn.models.types import format_utc, utcnow
from attn.services.attendance.locate import (
    archived,
    ensure_can_manage,
    is_not_live,
    locate,
    user_names,
)
from attn.services.attendance.views import lesson_out, row_out
from attn.services.audit import live_audit, stored_audit


async def finish_attendance(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    attendance_id: UUID,
    now: datetime | None = None,
) -> AttendanceOut:
    """Close a live attendance now; it is persisted right after."""
    now = now or utcnow()
    located = await locate(redis, session, attendance_id)
    ensure_can_manage(user, located.teacher_number)
    lesson = located.lesson
    if lesson is None:
        assert located.row is not None
        raise _closed(located.row)
    if lesson.deleted_at is None and lesson.finished_at is None and now < lesson.starts_at:
        raise AttendanceNotStarted(
            f"attendance {attendance_id} has not started yet; delete it instead"
        )
    entry = live_audit(user, "attendance_finished", attendance_id, {}, at=now)
    try:
        finished = await redis.finish_lesson(attendance_id, now, audit=entry)
    except NotFound as error:
        if not is_not_live(error):
            raise
        raise _closed(await archived(session, attendance_id)) from error
    return lesson_out(finished, now)


async def delete_attendance(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    attendance_id: UUID,
    reason: str,
    now: datetime | None = None,
) -> AttendanceOut:
    """Soft-delete: gone from discovery, check-in and history, kept with the reason."""
    now = now or utcnow()
    located = await locate(redis, session, attendance_id)
    ensure_can_manage(user, located.teacher_number)
    details = {"reason": reason}
    if located.lesson is not None:
        entry = live_audit(user, "attendance_deleted", attendance_id, details, at=now)
        try:
            lesson = await redis.soft_delete_lesson(attendance_id, reason, now, audit=entry)
        except NotFound as error:
            if not is_not_live(error):
                raise
        else:
            return lesson_out(lesson, now)
    if not await repository.soft_delete_attendance(session, attendance_id, reason=reason, at=now):
        await archived(session, attendance_id)  # 404 if it is unknown, else it was deleted
        raise AttendanceDeleted(f"attendance {attendance_id} was already deleted")
    await stored_audit(session, user, "attendance_deleted", attendance_id, details, at=now)
    row = await archived(session, attendance_id)
    names = await user_names(session, [row.teacher_number])
    return row_out(row, names[row.teacher_number], now)


async def edit_attendance(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    attendance_id: UUID,
    body: EditAttendanceIn,
    now: datetime | None = None,
) -> AttendanceOut:
    """Correct a stored attendance's name, window or late threshold (with a reason)."""
    now = now or utcnow()
    located = await locate(redis, session, attendance_id)
    ensure_can_manage(user, located.teacher_number)
    row = located.row
    if row is None:
        raise Conflict(
            f"attendance {attendance_id} is still live; corrections apply once it is stored",
            code="attendance_live",
        )
    if row.deleted_at is not None:
        raise AttendanceDeleted(f"attendance {attendance_id} was deleted")
    changes = body.model_dump(exclude={"reason"}, exclude_unset=True)
    updated = dataclasses.replace(row, **changes)
    if updated.ends_at <= updated.starts_at:
        raise InvalidInput(
            "ends_at must be after starts_at", code="invalid_window", details={"field": "ends_at"}
        )
    await repository.upsert_attendance(session, updated)
    details = {
        "reason": body.reason,
        "before": _fields(row, changes),
        "after": _fields(updated, changes),
    }
    await stored_audit(session, user, "attendance_edited", attendance_id, details, at=now)
    names = await user_names(session, [row.teacher_number])
    return row_out(updated, names[row.teacher_number], now)


def _fields(row: AttendanceRow, names: dict[str, Any]) -> dict[str, Any]:
    values = {name: getattr(row, name) for name in names}
    return {
        name: format_utc(value) if isinstance(value, datetime) else value
        for name, value in values.items()
    }


def _closed(row: AttendanceRow) -> Conflict:
    if row.deleted_at is not None:
        return AttendanceDeleted(f"attendance {row.attendance_id} was deleted")
    return AttendanceFinished(f"attendance {row.attendance_id} is already closed and stored")
