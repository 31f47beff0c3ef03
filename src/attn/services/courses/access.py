"""Who may see and manage a course: admins every course, a teacher the courses they teach;
and so who may read and correct a stored attendance of a course (:func:`teaches_attendance`)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from attn.course_errors import CourseNotFound, NotYourCourse
from attn.db.sql import courses_repo
from attn.db.sql.course_rows import CourseRow
from attn.errors import WrongRole
from attn.models import Role, UserRedis


async def get_course(session: AsyncSession, course_id: UUID) -> CourseRow:
    """The course; 404 ``course_not_found``."""
    course = await courses_repo.get_course(session, course_id)
    if course is None:
        raise CourseNotFound(f"no course {course_id}")
    return course


async def get_course_by_code(session: AsyncSession, code: str) -> CourseRow:
    """The course with this code (any case); 404 ``course_not_found``."""
    course = await courses_repo.get_course_by_code(session, code.strip().upper())
    if course is None:
        raise CourseNotFound(f"no course with code {code.strip()}")
    return course


async def managed_course(session: AsyncSession, user: UserRedis, course_id: UUID) -> CourseRow:
    """The course if ``user`` may manage its roster: an admin, or one of its teachers.

    404 for an unknown course before 403 for a teacher's other courses: ids are random
    UUIDs, so telling "not there" from "not yours" gives nothing away.
    """
    course = await get_course(session, course_id)
    ensure_manages(user, course)
    return course


def ensure_manages(user: UserRedis, course: CourseRow) -> None:
    """403 unless ``user`` is an admin or a teacher of ``course``."""
    if user.role is Role.ADMIN:
        return
    if user.role is not Role.TEACHER:
        raise WrongRole("this needs the role teacher, admin")
    if user.user_number not in course.teacher_numbers:
        raise NotYourCourse(f"course {course.code} is not one of yours")


async def teaches_attendance(
    session: AsyncSession, user: UserRedis, teacher_number: str, course_id: UUID | None
) -> bool:
    """Whether ``user`` may read and correct a stored attendance of this teacher and course
    (and decide its excuses): an admin, its own teacher, or a teacher of its course; an
    ad-hoc attendance (no course) has its own teacher alone."""
    if user.role is Role.ADMIN:
        return True
    if user.role is not Role.TEACHER:
        return False
    if user.user_number == teacher_number:
        return True
    return course_id is not None and await courses_repo.is_teacher_of(
        session, course_id, user.user_number
    )


async def course_to_teach(
    sessionmaker: async_sessionmaker[AsyncSession], teacher: UserRedis, course_id: UUID
) -> CourseRow:
    """The course a teacher starts an attendance for: theirs (404, 403 ``not_your_course``).

    A short session of its own: starting an ad-hoc attendance needs no database, so the
    start route opens none; a course's start reads the course and nothing else.
    """
    async with sessionmaker() as session:
        course = await get_course(session, course_id)
    if teacher.user_number not in course.teacher_numbers:
        raise NotYourCourse(f"course {course.code} is not one of yours")
    return course
