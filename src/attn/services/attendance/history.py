"""History: a teacher's attendances (an admin's: everyone's), live ones included.

Live attendances come first, then the archive newest first. Keeping the two apart, rather
than merging them by start time, keeps the pagination exact with one SQL page per request
(the live ones are few and known in full). An attendance persisted but not yet removed from
Redis (a few milliseconds) is shown once, from Redis; ``total`` may count it twice then.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.errors import NotYourAttendance
from attn.models import LessonRedis, Role, UserRedis
from attn.models.api_attendances import AttendancePage, HistoryQuery
from attn.models.types import contains_words, name_words
from attn.services.attendance.locate import user_names
from attn.services.attendance.views import lesson_out, row_out


async def list_history(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    query: HistoryQuery,
    now: datetime,
) -> AttendancePage:
    """One page of the caller's history, filtered by lesson name and start date."""
    teacher = _teacher_filter(user, query.teacher_number)
    date_from = _bound(query.date_from, inclusive_end=False)
    date_to = _bound(query.date_to, inclusive_end=True)
    lessons = await (redis.teacher_lessons(teacher) if teacher else redis.live_lessons())
    live = [
        lesson
        for lesson in sorted(lessons, key=lambda item: item.starts_at, reverse=True)
        if _matches(lesson, teacher, query.lesson_name, date_from, date_to)
    ]
    items = [lesson_out(lesson, now) for lesson in live[query.offset : query.offset + query.limit]]
    archive_offset = max(0, query.offset - len(live))
    archive_limit = query.limit - len(items)
    page = await repository.list_attendances(
        session,
        teacher_number=teacher,
        lesson_name=query.lesson_name,
        date_from=date_from,
        date_to=date_to,
        limit=max(archive_limit, 1),
        offset=archive_offset,
    )
    if archive_limit > 0:
        shown = {item.attendance_id for item in items}
        rows = [row for row in page.items if row.attendance_id not in shown]
        names = await user_names(session, sorted({row.teacher_number for row in rows}))
        items.extend(row_out(row, names[row.teacher_number], now) for row in rows)
    return AttendancePage(
        items=items, total=len(live) + page.total, limit=query.limit, offset=query.offset
    )


def _teacher_filter(user: UserRedis, requested: str | None) -> str | None:
    """Teachers see their own history only; admins everyone's, or one teacher's."""
    if user.role is Role.ADMIN:
        return requested
    if requested is not None and requested != user.user_number:
        raise NotYourAttendance("teachers see their own history only")
    return user.user_number


def _bound(value: datetime | date | None, *, inclusive_end: bool) -> datetime | None:
    """A date is a whole UTC day; ``to`` includes it, so it becomes the next midnight."""
    if value is None or isinstance(value, datetime):
        return value
    day = value + timedelta(days=1) if inclusive_end else value
    return datetime.combine(day, time(), tzinfo=UTC)


def _matches(
    lesson: LessonRedis,
    teacher: str | None,
    lesson_name: str | None,
    date_from: datetime | None,
    date_to: datetime | None,
) -> bool:
    """The SQL filters of ``list_attendances``, applied to a live attendance."""
    if lesson.deleted_at is not None:
        return False
    if teacher is not None and lesson.teacher_number != teacher:
        return False
    if lesson_name is not None and not contains_words(lesson.lesson_name, name_words(lesson_name)):
        return False
    if date_from is not None and lesson.starts_at < date_from:
        return False
    return date_to is None or lesson.starts_at < date_to
