"""A teacher (or admin) closing, deleting or correcting a whole attendance.

Live attendances change in Redis (the persistence job carries the change to SQL); stored
ones change in SQL in the request's transaction, audit entry included. Each runs through
:func:`~attn.services.attendance.locate.live_or_archived`, so an attendance persisted
between the Redis read and the write is handled as the stored one it has become.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from functools import partial
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.db.sql.rows import AttendanceRow
from attn.errors import (
    AttendanceDeleted,
    AttendanceFinished,
    AttendanceLive,
    AttendanceNotStarted,
    Conflict,
    InvalidWindow,
)
from attn.models import LessonRedis, UserRedis
from attn.models.api_attendances import AttendanceOut, EditAttendanceIn
from attn.models.types import format_utc
from attn.services.attendance.locate import (
    archived,
    ensure_can_manage,
    live_or_archived,
    user_names,
)
from attn.services.attendance.views import lesson_out, row_out
from attn.services.audit import live_audit, stored_audit


async def finish_attendance(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    attendance_id: UUID,
    now: datetime,
) -> AttendanceOut:
    """Close a live attendance now; it is persisted right after."""

    async def live(lesson: LessonRedis) -> AttendanceOut:
        if lesson.deleted_at is None and lesson.finished_at is None and now < lesson.starts_at:
            raise AttendanceNotStarted(
                f"attendance {attendance_id} has not started yet; delete it instead"
            )
        entry = live_audit(user, "attendance_finished", attendance_id, {}, at=now)
        return lesson_out(await redis.finish_lesson(attendance_id, now, audit=entry), now)

    async def stored(row: AttendanceRow) -> AttendanceOut:
        raise _closed(row)

    found = await redis.get_lesson(attendance_id)
    return await live_or_archived(session, user, attendance_id, found, live, stored)


async def delete_attendance(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    attendance_id: UUID,
    reason: str,
    now: datetime,
) -> AttendanceOut:
    """Soft-delete: gone from discovery, check-in and history, kept with the reason."""
    details = {"reason": reason}

    async def live(_lesson: LessonRedis) -> AttendanceOut:
        entry = live_audit(user, "attendance_deleted", attendance_id, details, at=now)
        lesson = await redis.soft_delete_lesson(attendance_id, reason, now, audit=entry)
        return lesson_out(lesson, now)

    async def stored(row: AttendanceRow) -> AttendanceOut:
        # a course's other teachers correct a stored attendance; removing it stays its own
        # teacher's (or an admin's) call
        ensure_can_manage(user, row.teacher_number)
        if not await repository.soft_delete_attendance(
            session, attendance_id, reason=reason, at=now
        ):
            raise AttendanceDeleted(f"attendance {attendance_id} was already deleted")
        entry = live_audit(user, "attendance_deleted", attendance_id, details, at=now)
        await stored_audit(session, entry)
        deleted = await archived(session, attendance_id)
        names = await user_names(session, [deleted.teacher_number])
        return row_out(deleted, names[deleted.teacher_number], now)

    found = await redis.get_lesson(attendance_id)
    return await live_or_archived(session, user, attendance_id, found, live, stored)


async def edit_attendance(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    attendance_id: UUID,
    body: EditAttendanceIn,
    now: datetime,
) -> AttendanceOut:
    """Correct a stored attendance's name, window or late threshold (with a reason)."""

    async def live(_lesson: LessonRedis) -> AttendanceOut:
        raise AttendanceLive(
            f"attendance {attendance_id} is still live; corrections apply once it is stored"
        )

    found = await redis.get_lesson(attendance_id)
    stored = partial(_edit_stored, session, user, body, now)
    return await live_or_archived(session, user, attendance_id, found, live, stored)


async def _edit_stored(
    session: AsyncSession,
    user: UserRedis,
    body: EditAttendanceIn,
    now: datetime,
    row: AttendanceRow,
) -> AttendanceOut:
    if row.deleted_at is not None:
        raise AttendanceDeleted(f"attendance {row.attendance_id} was deleted")
    changes = body.model_dump(exclude={"reason"}, exclude_unset=True)
    updated = dataclasses.replace(row, **changes)
    if updated.ends_at <= updated.starts_at:
        raise InvalidWindow("ends_at must be after starts_at", details={"field": "ends_at"})
    await repository.upsert_attendance(session, updated)
    details = {
        "reason": body.reason,
        "before": _fields(row, changes),
        "after": _fields(updated, changes),
    }
    entry = live_audit(user, "attendance_edited", row.attendance_id, details, at=now)
    await stored_audit(session, entry)
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
