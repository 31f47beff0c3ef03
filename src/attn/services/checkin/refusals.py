"""Why an attendance takes no check-in now: not open yet, ended, finished, deleted or unknown."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from attn.db.outcomes import CheckInRefusal
from attn.db.sql import repository
from attn.db.sql.rows import AttendanceRow
from attn.errors import (
    AttendanceDeleted,
    AttendanceEnded,
    AttendanceFinished,
    AttendanceNotFound,
    AttendanceNotOpen,
)
from attn.models import LessonRedis
from attn.services.attendance.locate import attendance_not_found
from attn.services.attendance.rules import lesson_state
from attn.services.outcomes import not_open

_CLOSED: dict[str, CheckInRefusal] = {
    "deleted": "deleted",
    "finished": "finished",
    "scheduled": "not_started",
    "ended": "ended",
}
"""The refusal of each state that takes no check-in."""


def refuse_unless_open(lesson: LessonRedis, now: datetime) -> None:
    """The script refuses these too; asking first spares the checks (a wrong code counted,
    a photo sent) for an attendance that takes no check-in anyway."""
    refusal = live_refusal(lesson, now, allow_scheduled=False)
    if refusal is not None:
        raise refusal


def live_refusal(
    lesson: LessonRedis, now: datetime, *, allow_scheduled: bool
) -> AttendanceNotOpen | None:
    """Why a live attendance takes no check-in now (None while it is open, and also while
    it is scheduled if ``allow_scheduled``: a teacher may show the code early)."""
    state = lesson_state(lesson, now)
    if state == "open" or (allow_scheduled and state == "scheduled"):
        return None
    return not_open(lesson.attendance_id, _CLOSED[state])


async def stored_or_unknown(
    sessions: async_sessionmaker[AsyncSession], attendance_id: UUID
) -> AttendanceNotFound | AttendanceNotOpen:
    """Why an attendance that is not in Redis takes no check-in: unknown, or stored."""
    async with sessions() as session:
        row = await repository.get_attendance(session, attendance_id, include_deleted=True)
    if row is None:
        return attendance_not_found(attendance_id)
    return stored_refusal(row)


def stored_refusal(row: AttendanceRow) -> AttendanceNotOpen:
    """Why a stored attendance takes no check-in (nor shows a code): deleted, finished or
    ended."""
    if row.deleted_at is not None:
        return AttendanceDeleted(f"attendance {row.attendance_id} was deleted")
    if row.finished_at is not None:
        return AttendanceFinished(f"attendance {row.attendance_id} is finished")
    return AttendanceEnded(f"attendance {row.attendance_id} has ended")
