"""Finding an attendance where it lives now (Redis while live, SQL once stored), and who
may manage it."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.db.sql.rows import AttendanceRow
from attn.errors import (
    Forbidden,
    NotFound,
)
from attn.models import (
    LessonRedis,
    Role,
    UserRedis,
)


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
