"""What the projector shows: the lesson, the QR code and code in force, how many students
are checked in, and the time left, all timed by the server's clock.

The projector's script counts down from the seconds the server gave (never from the
browser's clock, which may be minutes off on a classroom PC) and asks again when the code
changes (:func:`projector_code`). Its counter follows the live channel; the view names the
students counted, so the script can tell a new check-in from a changed one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from attn.config import Settings
from attn.db.redis.records import LiveView
from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.db.sql.rows import AttendanceRow
from attn.models import LessonRedis, RecordStatus, UserRedis
from attn.models.api_attendances import AttendanceState
from attn.services.attendance.live_list import LIVE_STATES
from attn.services.attendance.locate import live_or_archived, user_names
from attn.services.attendance.rules import lesson_state, row_state
from attn.services.attendance.views import RECORD_LIST, live_records_json
from attn.services.checkin.refusals import live_refusal, stored_refusal
from attn.services.security import codes

CHECKED_IN = frozenset({RecordStatus.PRESENT, RecordStatus.LATE})
"""The records the projector counts: the students the check-in (or the teacher) let in."""


@dataclass(frozen=True)
class ProjectorView:
    attendance_id: UUID
    lesson_name: str
    teacher_full_name: str
    state: AttendanceState
    ends_at: datetime
    seconds_left: float
    checked_in: list[str]
    """The student numbers counted (present or late)."""
    last_event_id: str | None
    """Where the counter listens from; None once the attendance is closed."""
    course_id: UUID | None = None
    """The course it is a lesson of (the page shows its code); None: ad hoc."""
    on_roster: int | None = None
    """A live course attendance: how many students are on its roster (None otherwise)."""

    @property
    def live(self) -> bool:
        return self.state in LIVE_STATES


@dataclass(frozen=True)
class ProjectorCode:
    """The code feed: the QR code and code in force, and the seconds to the next one and
    to the end, from one reading of the server's clock."""

    code: str | None
    qr_svg: str
    checkin_url: str
    seconds_until_change: float | None
    seconds_left: float


async def projector_view(
    redis: RedisClient, session: AsyncSession, user: UserRedis, attendance_id: UUID, now: datetime
) -> ProjectorView:
    """The projector of an attendance the caller may manage (403, 404 as every view), open
    or closed: a closed one shows its final count instead of a code."""

    async def live(view: LiveView) -> ProjectorView:
        lesson, state = view.lesson, lesson_state(view.lesson, now)
        records = RECORD_LIST.validate_json(live_records_json(view.raw_records))
        counted = [record.student_number for record in records if record.status in CHECKED_IN]
        return ProjectorView(
            lesson.attendance_id,
            lesson.lesson_name,
            lesson.teacher_full_name,
            state,
            lesson.ends_at,
            _seconds_left(lesson.ends_at, now) if state in LIVE_STATES else 0.0,
            counted,
            view.last_event_id if state in LIVE_STATES else None,
            lesson.course_id,
            None if lesson.course_id is None or view.roster is None else len(view.roster),
        )

    async def stored(row: AttendanceRow) -> ProjectorView:
        rows = await repository.list_records(session, row.attendance_id)
        counted = [record.student_number for record in rows if record.status in CHECKED_IN]
        names = await user_names(session, [row.teacher_number])
        teacher, state = names[row.teacher_number], row_state(row, now)
        return ProjectorView(row.attendance_id, row.lesson_name, teacher, state, row.ends_at,
                             0.0, counted, None, row.course_id)  # fmt: skip

    found = await redis.live_view(attendance_id, with_roster=True)
    return await live_or_archived(session, user, attendance_id, found, live, stored)


async def projector_code(
    redis: RedisClient,
    session: AsyncSession,
    settings: Settings,
    user: UserRedis,
    attendance_id: UUID,
    now: datetime,
) -> ProjectorCode:
    """The QR code to show now: the link with the code in force, or the plain check-in link
    for an attendance started without the code check. Reads the lesson only (no records:
    it is asked at every code step). Once the attendance takes no check-in it raises the
    refusal the code endpoint raises (``attendance_finished``, ``attendance_ended``...)."""

    async def live(lesson: LessonRedis) -> ProjectorCode:
        refusal = live_refusal(lesson, now, allow_scheduled=True)
        if refusal is not None:
            raise refusal
        seconds_left = _seconds_left(lesson.ends_at, now)
        if not lesson.checks.code:
            url = plain_checkin_url(settings.public_base_url, attendance_id)
            return ProjectorCode(None, codes.qr_svg(url), url, None, seconds_left)
        shown = await codes.code_display(redis, settings, attendance_id, now)
        return ProjectorCode(
            shown.code, shown.qr_svg, shown.url, shown.seconds_until_change, seconds_left
        )

    async def stored(row: AttendanceRow) -> ProjectorCode:
        raise stored_refusal(row)

    found = await redis.get_lesson(attendance_id)
    return await live_or_archived(session, user, attendance_id, found, live, stored)


def plain_checkin_url(public_base_url: str, attendance_id: UUID) -> str:
    """The check-in page's link without a code (the students still log in there)."""
    path = codes.CHECKIN_PATH.format(attendance_id=quote(str(attendance_id), safe=""))
    return public_base_url.rstrip("/") + path


def _seconds_left(ends_at: datetime, now: datetime) -> float:
    return max(0.0, (ends_at - now).total_seconds())
