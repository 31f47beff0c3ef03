"""What the web check-in page (the QR code's link) shows about an attendance.

The page is public: whoever has the link (a UUID, unguessable, shown in class) sees the
lesson's name, its teacher and which checks it asks for, never records or codes. The
student logs in on the page itself before checking in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.redis_client import RedisClient
from attn.db.sql.rows import AttendanceRow
from attn.errors import AttendanceNotFound
from attn.models import CheckSettings, LessonRedis
from attn.models.api_attendances import (
    AttendanceState,
)
from attn.services.attendance.locate import live_or_archived, user_names
from attn.services.attendance.rules import (
    lesson_state,
    row_state,
    stored_checks,
)


@dataclass(frozen=True)
class CheckInPage:
    attendance_id: UUID
    lesson_name: str
    teacher_full_name: str
    state: AttendanceState
    checks: CheckSettings

    @property
    def open(self) -> bool:
        return self.state == "open"


async def check_in_page(
    redis: RedisClient, session: AsyncSession, attendance_id: str, now: datetime
) -> CheckInPage | None:
    """The attendance as the page shows it; None for a malformed, unknown or deleted id
    (the page answers all three alike, a friendly 404)."""
    try:
        aid = UUID(attendance_id)
    except ValueError:
        return None

    async def live(lesson: LessonRedis) -> CheckInPage | None:
        if lesson.deleted_at is not None:
            return None
        state = lesson_state(lesson, now)
        return CheckInPage(aid, lesson.lesson_name, lesson.teacher_full_name, state, lesson.checks)

    async def stored(row: AttendanceRow) -> CheckInPage | None:
        if row.deleted_at is not None:
            return None
        names = await user_names(session, [row.teacher_number])
        checks = stored_checks(row.settings)
        return CheckInPage(
            aid, row.lesson_name, names[row.teacher_number], row_state(row, now), checks
        )

    try:
        return await live_or_archived(session, None, aid, await redis.get_lesson(aid), live, stored)
    except AttendanceNotFound:
        return None
