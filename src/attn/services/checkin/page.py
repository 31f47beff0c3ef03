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
from attn.db.sql import repository
from attn.models import (
    CheckSettings,
)
from attn.models.api_attendances import (
    AttendanceState,
)
from attn.services.attendance.locate import (
    user_names,
)
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
    lesson = await redis.get_lesson(aid)
    if lesson is not None:
        if lesson.deleted_at is not None:
            return None
        return CheckInPage(
            aid,
            lesson.lesson_name,
            lesson.teacher_full_name,
            lesson_state(lesson, now),
            lesson.checks,
        )
    row = await repository.get_attendance(session, aid)
    if row is None:
        return None
    names = await user_names(session, [row.teacher_number])
    return CheckInPage(
        aid,
        row.lesson_name,
        names[row.teacher_number],
        row_state(row, now),
        stored_checks(row.settings),
    )
