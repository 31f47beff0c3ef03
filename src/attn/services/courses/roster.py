"""A course's roster by hand: who is on it, add one student, remove one. Only a teacher of
the course or an admin (:func:`~attn.services.courses.access.managed_course`); each change
is audited in its transaction, and reaches the course's open attendances
(:mod:`~attn.services.courses.live_roster`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from attn.course_errors import AlreadyEnrolled, EnrolmentNotFound
from attn.db.redis_client import RedisClient
from attn.db.sql import courses_repo, repository
from attn.db.sql.course_rows import CourseRow, RosterEntry
from attn.errors import FullNameRequired, NotAStudent
from attn.models import Role
from attn.models.api_courses import RosterStudent
from attn.services.courses import live_roster
from attn.services.outcomes import translated


async def list_roster(session: AsyncSession, course: CourseRow) -> list[RosterEntry]:
    """The students enrolled now, by number."""
    return await courses_repo.roster(session, course.course_id)


async def add_student(
    session: AsyncSession,
    redis: RedisClient,
    course: CourseRow,
    data: RosterStudent,
    *,
    actor: str,
    now: datetime,
) -> RosterEntry:
    """Enrol a student; an unknown number becomes a student account without a password
    (``full_name`` needed then, 422 ``full_name_required``). An existing account keeps its
    name; a teacher's or admin's number is 422 ``not_a_student``; 409 ``already_enrolled``."""
    number = data.student_number
    existing = await repository.get_user(session, number)
    if existing is None:
        if data.full_name is None:
            raise FullNameRequired(f"{number} has no account yet: give the student's full name")
        with translated():
            existing = await repository.create_user(
                session, user_number=number, full_name=data.full_name, role=Role.STUDENT, at=now
            )
        await _audit(session, actor, "user_created", course, number, now, role="student")
    elif existing.role is not Role.STUDENT:
        raise NotAStudent(f"{number} is a {existing.role.value}'s account, not a student's")
    if not await courses_repo.enrol(session, course.course_id, [number], at=now):
        raise AlreadyEnrolled(f"{number} is on the roster of {course.code} already")
    await _audit(session, actor, "student_enrolled", course, number, now)
    await live_roster.roster_changed(redis, course.course_id, added={number: existing.full_name})
    return RosterEntry(student_number=number, full_name=existing.full_name, enrolled_at=now)


async def remove_student(
    session: AsyncSession,
    redis: RedisClient,
    course: CourseRow,
    student_number: str,
    *,
    actor: str,
    now: datetime,
) -> None:
    """Take a student off the roster (their records stay); 404 ``enrolment_not_found``."""
    if not await courses_repo.unenrol(session, course.course_id, student_number, at=now):
        raise EnrolmentNotFound(f"{student_number} is not on the roster of {course.code}")
    await _audit(session, actor, "student_unenrolled", course, student_number, now)
    await live_roster.roster_changed(redis, course.course_id, removed=[student_number])


async def _audit(
    session: AsyncSession,
    actor: str,
    action: str,
    course: CourseRow,
    student_number: str,
    now: datetime,
    **details: str,
) -> None:
    await repository.add_audit(
        session,
        actor=actor,
        action=action,
        student_number=student_number,
        details={"course_id": str(course.course_id), "code": course.code, **details},
        at=now,
    )
