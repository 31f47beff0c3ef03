"""A student's own records: one attendance's, and the history, live ones first."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.outcomes import NotLive
from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.db.sql.rows import AttendanceRow, RecordRow
from attn.models import LessonRedis, UserRedis
from attn.models.api_attendances import MyAttendanceItem, MyAttendancePage, PageQuery, RecordOut
from attn.services.attendance.locate import (
    attendance_not_found,
    live_or_archived,
    record_not_found,
    user_names,
)
from attn.services.attendance.views import (
    for_student,
    lesson_out,
    record_out,
    row_out,
    row_record_out,
)


async def my_record(
    redis: RedisClient, session: AsyncSession, user: UserRedis, attendance_id: UUID
) -> RecordOut:
    """The caller's own record in one attendance, live or stored (not of a deleted one)."""

    async def live(lesson: LessonRedis) -> RecordOut:
        if lesson.deleted_at is not None:
            raise attendance_not_found(attendance_id)
        record = await redis.get_attendance_record(attendance_id, user.user_number)
        if record is not None:
            return for_student(record_out(record))
        if await redis.get_lesson(attendance_id) is not None:
            raise record_not_found(attendance_id, user.user_number)
        raise NotLive(attendance_id)

    async def stored(row: AttendanceRow) -> RecordOut:
        if row.deleted_at is not None:
            raise attendance_not_found(attendance_id)
        found = await repository.get_record(session, attendance_id, user.user_number)
        if found is None:
            raise record_not_found(attendance_id, user.user_number)
        return for_student(row_record_out(found, user.full_name))

    lesson = await redis.get_lesson(attendance_id)
    return await live_or_archived(session, None, attendance_id, lesson, live, stored)


async def my_history(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    query: PageQuery,
    now: datetime,
) -> MyAttendancePage:
    """The caller's records: live ones first (newest first), then the archive."""
    live = sorted(
        await redis.student_live_records(user.user_number),
        key=lambda pair: pair[0].starts_at,
        reverse=True,
    )
    items = [
        MyAttendanceItem(attendance=lesson_out(lesson, now), record=for_student(record_out(record)))
        for lesson, record in live[query.offset : query.offset + query.limit]
    ]
    archive_limit = query.limit - len(items)
    page = await repository.list_student_records(
        session,
        user.user_number,
        limit=max(archive_limit, 1),
        offset=max(0, query.offset - len(live)),
    )
    if archive_limit > 0:
        shown = {item.attendance.attendance_id for item in items}
        pairs = [pair for pair in page.items if pair.attendance.attendance_id not in shown]
        names = await user_names(session, sorted({p.attendance.teacher_number for p in pairs}))
        items.extend(
            _archived_item(pair.attendance, names, pair.record, user, now) for pair in pairs
        )
    return MyAttendancePage(
        items=items, total=len(live) + page.total, limit=query.limit, offset=query.offset
    )


def _archived_item(
    attendance: AttendanceRow,
    names: dict[str, str],
    record: RecordRow,
    user: UserRedis,
    now: datetime,
) -> MyAttendanceItem:
    return MyAttendanceItem(
        attendance=row_out(attendance, names[attendance.teacher_number], now),
        record=for_student(row_record_out(record, user.full_name)),
    )
