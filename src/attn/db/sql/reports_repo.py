"""The queries of the attendance reports (docs/design.md#reports): a few indexed reads that
return plain values; the counting is the service's (``services/reports``).

Every query is bounded by one course's or one student's rows: attendances by
``ix_attendances_course_id_starts_at``, records by their primary key (``attendance_id``
first) or ``ix_attendance_records_student_number``, stays by the enrolments' course or
student index. None of them reads the whole ``attendance_records`` table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import NullType

from attn.db.sql._dml import chunked
from attn.db.sql.tables import ATTENDANCES, COURSE_TEACHERS, COURSES, ENROLMENTS, RECORDS, USERS


@dataclass(frozen=True, slots=True)
class HeldAttendance:
    """A stored, not deleted attendance of a course: a lesson that was held."""

    attendance_id: UUID
    course_id: UUID
    lesson_name: str
    starts_at: datetime
    closed_at: datetime
    """When it closed: ``finished_at``, or ``ends_at`` for one that ran to its end. The
    roster at this instant is the one it is counted against (the absent-at-close rule)."""


@dataclass(frozen=True, slots=True)
class Stay:
    """One stay of a student on a course's roster (``left_at`` None: still enrolled)."""

    course_id: UUID
    student_number: str
    enrolled_at: datetime
    left_at: datetime | None

    def covers(self, at: datetime) -> bool:
        """Whether the student was on the roster at ``at`` (the roster rule of 0005)."""
        return self.enrolled_at <= at and (self.left_at is None or self.left_at > at)


@dataclass(frozen=True, slots=True)
class CourseHeader:
    """What a report shows of a course and counts with."""

    course_id: UUID
    code: str
    name: str
    term: str
    late_weight_percent: int
    threshold_percent: int


_HELD = (
    ATTENDANCES.c.attendance_id,
    ATTENDANCES.c.course_id,
    ATTENDANCES.c.lesson_name,
    ATTENDANCES.c.starts_at,
    ATTENDANCES.c.finished_at,
    ATTENDANCES.c.ends_at,
)


async def held_attendances(
    session: AsyncSession, course_ids: Sequence[UUID]
) -> list[HeldAttendance]:
    """The stored, not deleted attendances of these courses, by start time."""
    held: list[HeldAttendance] = []
    for chunk in chunked(session, list(course_ids), 1):
        result = await session.execute(
            select(*_HELD).where(
                ATTENDANCES.c.course_id.in_(chunk), ATTENDANCES.c.deleted_at.is_(None)
            )
        )
        held.extend(
            HeldAttendance(aid, course, name, starts, finished or ends)
            for aid, course, name, starts, finished, ends in result
        )
    held.sort(key=lambda item: (item.starts_at, str(item.attendance_id)))
    return held


async def marks_by_student(
    session: AsyncSession, attendance_ids: Sequence[UUID]
) -> dict[str, dict[UUID, str]]:
    """Every not deleted record of these attendances (a range of the primary key each), as
    student number -> attendance id -> status.

    The id column is read as the driver gives it and matched against ``attendance_ids`` by
    its text (hex on SQLite, the dashed form on PostgreSQL), so SQLite's 12,600 rows of a
    course do not each parse their hex into a new ``UUID`` for the same 42 ids."""
    known = {a.hex: a for a in attendance_ids} | {str(a): a for a in attendance_ids}
    raw_id = type_coerce(RECORDS.c.attendance_id, NullType())
    marks: dict[str, dict[UUID, str]] = {}
    for chunk in chunked(session, list(attendance_ids), 1):
        result = await session.execute(
            select(raw_id, RECORDS.c.student_number, RECORDS.c.status).where(
                RECORDS.c.attendance_id.in_(chunk), RECORDS.c.deleted_at.is_(None)
            )
        )
        for aid, number, status in result.all():
            own = marks.get(number)
            if own is None:
                own = marks[number] = {}
            own[known[aid if isinstance(aid, str) else str(aid)]] = status
    return marks


async def student_marks(session: AsyncSession, student_number: str) -> list[tuple[UUID, UUID, str]]:
    """The student's not deleted records in stored, not deleted course attendances:
    (course, attendance, status); ``ix_attendance_records_student_number``, then the
    attendances' primary key."""
    result = await session.execute(
        select(ATTENDANCES.c.course_id, RECORDS.c.attendance_id, RECORDS.c.status)
        .join(ATTENDANCES, ATTENDANCES.c.attendance_id == RECORDS.c.attendance_id)
        .where(
            RECORDS.c.student_number == student_number,
            RECORDS.c.deleted_at.is_(None),
            ATTENDANCES.c.course_id.is_not(None),
            ATTENDANCES.c.deleted_at.is_(None),
        )
    )
    return [(course, aid, status) for course, aid, status in result]


async def taught_course_ids(session: AsyncSession, teacher_number: str) -> set[UUID]:
    """The courses this teacher teaches."""
    result = await session.execute(
        select(COURSE_TEACHERS.c.course_id).where(
            COURSE_TEACHERS.c.teacher_number == teacher_number
        )
    )
    return set(result.scalars())


_STAY = (
    ENROLMENTS.c.course_id,
    ENROLMENTS.c.student_number,
    ENROLMENTS.c.enrolled_at,
    ENROLMENTS.c.left_at,
)


async def course_stays(session: AsyncSession, course_id: UUID) -> list[Stay]:
    """Every stay (past and current) on the course's roster."""
    result = await session.execute(select(*_STAY).where(ENROLMENTS.c.course_id == course_id))
    return [Stay(*row) for row in result]


async def student_stays(session: AsyncSession, student_number: str) -> list[Stay]:
    """Every stay (past and current) of the student, on any course."""
    result = await session.execute(
        select(*_STAY).where(ENROLMENTS.c.student_number == student_number)
    )
    return [Stay(*row) for row in result]


async def course_headers(session: AsyncSession, course_ids: Sequence[UUID]) -> list[CourseHeader]:
    """These courses, by term (newest name first) and code."""
    found: list[CourseHeader] = []
    columns = (
        COURSES.c.course_id,
        COURSES.c.code,
        COURSES.c.name,
        COURSES.c.term,
        COURSES.c.late_weight_percent,
        COURSES.c.threshold_percent,
    )
    for chunk in chunked(session, list(course_ids), 1):
        result = await session.execute(select(*columns).where(COURSES.c.course_id.in_(chunk)))
        found.extend(CourseHeader(*row) for row in result)
    found.sort(key=lambda course: course.code)
    found.sort(key=lambda course: course.term, reverse=True)
    return found


async def full_names(session: AsyncSession, numbers: Sequence[str]) -> dict[str, str]:
    """The accounts' names of these numbers (a number without an account is left out)."""
    names: dict[str, str] = {}
    for chunk in chunked(session, sorted(set(numbers)), 1):
        result = await session.execute(
            select(USERS.c.user_number, USERS.c.full_name).where(USERS.c.user_number.in_(chunk))
        )
        names.update((number, name) for number, name in result)
    return names
