"""Finding an attendance where it lives now, and who may manage it.

An attendance lives in Redis until the persistence job has stored it in SQL, then only in
SQL. Every operation on one attendance therefore forks the same way (:func:`live_or_archived`):
read it live; if found, check the caller and do the live half; if the live half finds it
persisted meanwhile (:class:`~attn.db.outcomes.NotLive`), or it was not live at all, do the
archived half on the stored row. Persistence commits to SQL before it removes the Redis
keys, so an attendance gone from Redis is always found in SQL: there is no gap in between.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.outcomes import DataOutcome, NotLive
from attn.db.sql import repository
from attn.db.sql.rows import AttendanceRow
from attn.errors import AttendanceNotFound, NotYourAttendance
from attn.models import Role, UserRedis
from attn.services.courses.access import teaches_attendance
from attn.services.outcomes import domain_error, record_not_found

__all__ = [
    "archived",
    "attendance_not_found",
    "ensure_can_manage",
    "ensure_can_manage_stored",
    "live_or_archived",
    "record_not_found",
    "user_names",
]


class Owned(Protocol):
    """What a live read gives the fork: a lesson, or a lesson with its records."""

    @property
    def teacher_number(self) -> str: ...


LiveT = TypeVar("LiveT", bound=Owned)
ResultT = TypeVar("ResultT")


def attendance_not_found(attendance_id: UUID) -> AttendanceNotFound:
    return AttendanceNotFound(f"no attendance {attendance_id}")


def ensure_can_manage(user: UserRedis, teacher_number: str) -> None:
    """Admins manage every attendance, a teacher only their own."""
    if user.role is Role.ADMIN or user.user_number == teacher_number:
        return
    raise NotYourAttendance("this attendance belongs to another teacher")


async def live_or_archived(
    session: AsyncSession,
    manager: UserRedis | None,
    attendance_id: UUID,
    found: LiveT | None,
    live: Callable[[LiveT], Awaitable[ResultT]],
    stored: Callable[[AttendanceRow], Awaitable[ResultT]],
) -> ResultT:
    """Run ``live`` on the live read ``found``, else (or once it raises NotLive) ``stored``
    on the stored row, deleted ones included (404 for an unknown id). With a ``manager``,
    only the attendance's teacher or an admin gets that far (403); once stored, a teacher of
    its course too (:func:`ensure_can_manage_stored`). Any other data-layer
    refusal of the live half becomes its client error here."""
    if found is not None:
        if manager is not None:
            ensure_can_manage(manager, found.teacher_number)
        try:
            return await live(found)
        except NotLive:
            pass
        except DataOutcome as outcome:
            raise domain_error(outcome) from outcome
    row = await archived(session, attendance_id)
    if manager is not None:
        await ensure_can_manage_stored(session, manager, row)
    return await stored(row)


async def ensure_can_manage_stored(
    session: AsyncSession, user: UserRedis, row: AttendanceRow
) -> None:
    """A stored attendance is read and corrected by an admin, its teacher, or a teacher of
    its course (the same people who decide its excuses); while live it is its teacher's."""
    if not await teaches_attendance(session, user, row.teacher_number, row.course_id):
        raise NotYourAttendance("this attendance belongs to another teacher")


async def archived(session: AsyncSession, attendance_id: UUID) -> AttendanceRow:
    """The stored attendance, deleted ones included; 404 ``attendance_not_found``."""
    row = await repository.get_attendance(session, attendance_id, include_deleted=True)
    if row is None:
        raise attendance_not_found(attendance_id)
    return row


async def user_names(session: AsyncSession, numbers: list[str]) -> dict[str, str]:
    """Full names on file; a number without a user (impossible with the foreign keys, but
    cheap to survive) maps to itself."""
    found = await repository.get_users(session, numbers)
    return {number: found[number].full_name if number in found else number for number in numbers}
