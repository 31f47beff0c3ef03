"""What the teacher's pages show: the history with each stored attendance's counts, one
attendance (its header while live; its records and counts once stored), one record, and
the lesson names the start form suggests.

The JSON views (:mod:`~attn.services.attendance.views`) return ready JSON bytes for
speed; a page needs models to render, and reads through the same fork
(:func:`~attn.services.attendance.locate.live_or_archived`) and the same permission check.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.outcomes import NotLive
from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.db.sql.rows import AttendanceRow
from attn.models import LessonRedis, RecordStatus, UserRedis
from attn.models.api_attendances import AttendanceOut, AttendancePage, HistoryQuery, RecordOut
from attn.services.attendance import history, start
from attn.services.attendance.locate import live_or_archived, record_not_found, user_names
from attn.services.attendance.views import (
    archived_records,
    lesson_out,
    record_out,
    row_out,
    row_record_out,
)

StatusCounts = dict[RecordStatus, int]
"""How many records hold each status, in :class:`RecordStatus` order, zeros left out."""

SUGGESTED_LESSON_NAMES = 20


@dataclass(frozen=True)
class HistoryOverview:
    page: AttendancePage
    counts: dict[UUID, StatusCounts]
    """The stored attendances' counts (a live one's records change every second)."""


@dataclass(frozen=True)
class TeacherHome:
    live: list[AttendanceOut]
    """Scheduled and open, by start (what the teacher may project now)."""
    history: HistoryOverview
    lesson_names: list[str]


@dataclass(frozen=True)
class StoredAttendance:
    attendance: AttendanceOut
    records: list[RecordOut]
    counts: StatusCounts


@dataclass(frozen=True)
class RecordOverview:
    attendance: AttendanceOut
    record: RecordOut


def status_counts(statuses: Counter[RecordStatus] | dict[RecordStatus, int]) -> StatusCounts:
    return {status: statuses[status] for status in RecordStatus if statuses.get(status)}


async def teacher_home(
    redis: RedisClient,
    session: AsyncSession,
    teacher: UserRedis,
    query: HistoryQuery,
    now: datetime,
) -> TeacherHome:
    """Everything the teacher's home shows: live attendances, a page of history, and the
    lesson names the start form suggests."""
    return TeacherHome(
        live=await start.active_attendances(redis, teacher, now),
        history=await history_overview(redis, session, teacher, query, now),
        lesson_names=await lesson_suggestions(redis, session, teacher),
    )


async def history_overview(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    query: HistoryQuery,
    now: datetime,
) -> HistoryOverview:
    """One page of :func:`~attn.services.attendance.history.list_history`, with the
    stored attendances' counts in one more query."""
    page = await history.list_history(redis, session, user, query, now)
    stored = [item.attendance_id for item in page.items if item.source == "archive"]
    counts = await repository.count_records(session, stored)
    return HistoryOverview(page, {aid: status_counts(found) for aid, found in counts.items()})


async def attendance_overview(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    attendance_id: UUID,
    now: datetime,
) -> AttendanceOut | StoredAttendance:
    """A live attendance's header (its page follows the records itself), or a stored one
    with its records (deleted ones left out) and their counts; 403, 404 as the API."""

    async def live(lesson: LessonRedis) -> AttendanceOut:
        return lesson_out(lesson, now)

    async def stored(row: AttendanceRow) -> StoredAttendance:
        records, names = await archived_records(session, row)
        counts = status_counts(Counter(record.status for record in records))
        return StoredAttendance(row_out(row, names[row.teacher_number], now), records, counts)

    found = await redis.get_lesson(attendance_id)
    return await live_or_archived(session, user, attendance_id, found, live, stored)


async def record_overview(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    attendance_id: UUID,
    student_number: str,
    now: datetime,
) -> RecordOverview:
    """One record (not a deleted one) with its attendance, live or stored."""

    async def live(lesson: LessonRedis) -> RecordOverview:
        record = await redis.get_attendance_record(attendance_id, student_number)
        if record is not None:
            return RecordOverview(lesson_out(lesson, now), record_out(record))
        if await redis.get_lesson(attendance_id) is None:
            raise NotLive(attendance_id)
        raise record_not_found(attendance_id, student_number)

    async def stored(row: AttendanceRow) -> RecordOverview:
        record = await repository.get_record(session, attendance_id, student_number)
        if record is None:
            raise record_not_found(attendance_id, student_number)
        names = await user_names(session, [row.teacher_number, student_number])
        attendance = row_out(row, names[row.teacher_number], now)
        return RecordOverview(attendance, row_record_out(record, names[student_number]))

    found = await redis.get_lesson(attendance_id)
    return await live_or_archived(session, user, attendance_id, found, live, stored)


async def lesson_suggestions(
    redis: RedisClient, session: AsyncSession, teacher: UserRedis
) -> list[str]:
    """The teacher's lesson names, the latest first, each once: live ones, then stored."""
    lessons = sorted(
        await redis.teacher_lessons(teacher.user_number),
        key=lambda lesson: lesson.starts_at,
        reverse=True,
    )
    live = [lesson.lesson_name for lesson in lessons if lesson.deleted_at is None]
    stored = await repository.recent_lesson_names(
        session, teacher.user_number, limit=SUGGESTED_LESSON_NAMES
    )
    return list(dict.fromkeys([*live, *stored]))[:SUGGESTED_LESSON_NAMES]
