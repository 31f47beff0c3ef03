"""The teacher's live list of one attendance as its page renders it: the lesson, every
record (newest check-in first), the live channel's last event id read before them, and for
a course's attendance who of its roster has not checked in yet.

The page's script listens from that id (``GET /api/v1/attendances/{id}/events?after=``), so
a change landing between the snapshot and the subscription is seen, at worst twice (each
event replaces one row by its key, so twice is harmless), never not at all.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.redis.records import LiveView
from attn.db.redis_client import RedisClient
from attn.db.sql.rows import AttendanceRow
from attn.models import LessonRedis, RecordStatus, UserRedis
from attn.models.api_attendances import AttendanceState, RecordOut
from attn.services.attendance.locate import live_or_archived, record_not_found
from attn.services.attendance.rules import lesson_state
from attn.services.attendance.views import RECORD_LIST, live_records_json, record_out

LIVE_STATES: frozenset[AttendanceState] = frozenset({"scheduled", "open"})
"""The states the live list shows; any other attendance has its past page instead."""
COUNTED = (RecordStatus.PRESENT, RecordStatus.LATE, RecordStatus.PENDING, RecordStatus.REJECTED)
"""The statuses the list counts one by one (a live record has no other, unless set so by
hand: those count in the total only)."""


@dataclass(frozen=True)
class LiveList:
    lesson: LessonRedis
    state: AttendanceState
    records: list[RecordOut]
    last_event_id: str
    roster: dict[str, str] | None = None
    """A course attendance's roster (number -> name); None for an ad-hoc one."""
    not_checked_in: dict[str, str] | None = None
    """Those of :attr:`roster` without a record yet, by number."""

    @property
    def counts(self) -> dict[str, int]:
        """Records per status (every status of :data:`COUNTED`, zeros included)."""
        found = Counter(record.status.value for record in self.records)
        return {status.value: found[status.value] for status in COUNTED}


async def live_list(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    attendance_id: UUID,
    now: datetime,
) -> LiveList | None:
    """The live list of a scheduled or open attendance the caller may manage; None for one
    that is closed or stored (its past page shows it). 403 ``not_your_attendance``, 404
    ``attendance_not_found`` as every view of an attendance."""

    async def live(view: LiveView) -> LiveList | None:
        state = lesson_state(view.lesson, now)
        if state not in LIVE_STATES:
            return None
        records = RECORD_LIST.validate_json(live_records_json(view.raw_records))
        records.sort(key=lambda record: record.checked_in_at, reverse=True)
        if view.lesson.course_id is None:
            return LiveList(view.lesson, state, records, view.last_event_id)
        return LiveList(view.lesson, state, records, view.last_event_id,
                        view.roster, view.not_checked_in)  # fmt: skip

    async def stored(_row: AttendanceRow) -> LiveList | None:
        return None

    found = await redis.live_view(attendance_id, with_roster=True)
    return await live_or_archived(session, user, attendance_id, found, live, stored)


async def live_record(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    attendance_id: UUID,
    student_number: str,
) -> RecordOut | None:
    """One record of a live attendance the caller may manage (the page that asks for a
    rejection's reason names the student); None once the attendance is stored. 404
    ``record_not_found`` for a student without a record."""

    async def live(lesson: LessonRedis) -> RecordOut | None:
        record = await redis.get_attendance_record(lesson.attendance_id, student_number)
        if record is None:
            raise record_not_found(lesson.attendance_id, student_number)
        return record_out(record)

    async def stored(_row: AttendanceRow) -> RecordOut | None:
        return None

    found = await redis.get_lesson(attendance_id)
    return await live_or_archived(session, user, attendance_id, found, live, stored)
