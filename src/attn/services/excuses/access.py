"""Who may see and decide an excuse request.

A student sees their own requests. A request is decided (and its file read) by an admin,
the attendance's teacher, or a teacher of the attendance's course; for an ad-hoc
attendance (no course) that is its teacher alone. 404 for an unknown request comes before
403: ids are random UUIDs.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.sql import excuses_repo
from attn.db.sql.excuse_rows import ExcuseListed
from attn.errors import NotYourAttendance, WrongRole
from attn.excuse_errors import ExcuseNotFound, NotYourExcuse
from attn.models import Role, UserRedis
from attn.services.courses import access as course_access


async def found(session: AsyncSession, excuse_id: UUID) -> ExcuseListed:
    listed = await excuses_repo.get_excuse(session, excuse_id)
    if listed is None:
        raise ExcuseNotFound(f"no excuse request {excuse_id}")
    return listed


async def manages(
    session: AsyncSession, user: UserRedis, teacher_number: str, course_id: UUID | None
) -> bool:
    """Whether ``user`` decides for an attendance of this teacher and course: whoever may
    correct it (:func:`attn.services.courses.access.teaches_attendance`)."""
    return await course_access.teaches_attendance(session, user, teacher_number, course_id)


async def ensure_manages_attendance(
    session: AsyncSession, user: UserRedis, teacher_number: str, course_id: UUID | None
) -> None:
    if not await manages(session, user, teacher_number, course_id):
        raise NotYourAttendance("this attendance belongs to another teacher")


async def may_decide(session: AsyncSession, user: UserRedis, excuse_id: UUID) -> ExcuseListed:
    """The request, if ``user`` may approve or decline it."""
    if user.role is Role.STUDENT:
        raise WrongRole("this needs the role teacher, admin")
    listed = await found(session, excuse_id)
    if not await manages(session, user, listed.teacher_number, listed.course_id):
        raise NotYourExcuse("this request is for another teacher's attendance")
    return listed


async def may_see(session: AsyncSession, user: UserRedis, excuse_id: UUID) -> ExcuseListed:
    """The request, if ``user`` is its student or may decide it."""
    listed = await found(session, excuse_id)
    if user.role is Role.STUDENT:
        if listed.excuse.student_number != user.user_number:
            raise NotYourExcuse("this is another student's request")
        return listed
    if not await manages(session, user, listed.teacher_number, listed.course_id):
        raise NotYourExcuse("this request is for another teacher's attendance")
    return listed
