"""Courses, their teachers and rosters (docs/design.md#courses-and-rosters).

A roster is kept as stays (``enrolments``: ``enrolled_at`` until ``left_at``): a removal
closes the open stay, a new enrolment opens another, so :func:`roster` answers "who was
enrolled at instant t" for any past t, which is how the absent-at-close rule reads the
roster at an attendance's finish time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID, uuid4

from sqlalchemy import ColumnElement, CursorResult, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.outcomes import CourseCodeTaken
from attn.db.sql._dml import chunked, insert_for
from attn.db.sql.course_rows import CourseRow, CourseValues, RosterEntry
from attn.db.sql.tables import COURSE_TEACHERS, COURSES, ENROLMENTS, USERS

_OPEN_STAY = ENROLMENTS.c.left_at.is_(None)


async def create_course(session: AsyncSession, values: CourseValues, *, at: datetime) -> CourseRow:
    """Insert a course; :class:`~attn.db.outcomes.CourseCodeTaken` when its code is taken
    (``ON CONFLICT DO NOTHING`` keeps a PostgreSQL transaction usable)."""
    stmt = (
        insert_for(session, COURSES)
        .values(
            course_id=uuid4(),
            code=values.code,
            name=values.name,
            term=values.term,
            late_weight_percent=values.late_weight_percent,
            threshold_percent=values.threshold_percent,
            created_at=at,
            updated_at=at,
        )
        .on_conflict_do_nothing(index_elements=[COURSES.c.code])
        .returning(*COURSES.c)
    )
    created = (await session.execute(stmt)).mappings().first()
    if created is None:
        raise CourseCodeTaken(values.code)
    return CourseRow.from_mapping(created)


async def update_course(
    session: AsyncSession, course_id: UUID, values: CourseValues, *, at: datetime
) -> bool:
    """Overwrite a course's values; False when there is no such course,
    :class:`CourseCodeTaken` when another course has the new code."""
    taken = await session.scalar(
        select(COURSES.c.course_id).where(
            COURSES.c.code == values.code, COURSES.c.course_id != course_id
        )
    )
    if taken is not None:
        raise CourseCodeTaken(values.code)
    result = await session.execute(
        update(COURSES)
        .where(COURSES.c.course_id == course_id)
        .values(
            code=values.code,
            name=values.name,
            term=values.term,
            late_weight_percent=values.late_weight_percent,
            threshold_percent=values.threshold_percent,
            updated_at=at,
        )
    )
    return bool(cast("CursorResult[Any]", result).rowcount)


async def get_course(session: AsyncSession, course_id: UUID) -> CourseRow | None:
    """One course with its teachers and its current roster's size."""
    return await _one(session, COURSES.c.course_id == course_id)


async def get_course_by_code(session: AsyncSession, code: str) -> CourseRow | None:
    return await _one(session, COURSES.c.code == code)


async def _one(session: AsyncSession, condition: ColumnElement[bool]) -> CourseRow | None:
    found = (await session.execute(select(COURSES).where(condition))).mappings().first()
    if found is None:
        return None
    courses = await _with_details(session, [found])
    return courses[0]


async def list_courses(
    session: AsyncSession, *, teacher_number: str | None = None, term: str | None = None
) -> list[CourseRow]:
    """Courses by term (newest term name first) and code, optionally only one teacher's
    or one term's."""
    stmt = select(COURSES)
    if teacher_number is not None:
        taught = select(COURSE_TEACHERS.c.course_id).where(
            COURSE_TEACHERS.c.teacher_number == teacher_number
        )
        stmt = stmt.where(COURSES.c.course_id.in_(taught))
    if term is not None:
        stmt = stmt.where(COURSES.c.term == term)
    stmt = stmt.order_by(COURSES.c.term.desc(), COURSES.c.code)
    rows = list((await session.execute(stmt)).mappings())
    return await _with_details(session, rows)


async def _with_details(session: AsyncSession, rows: Sequence[Any]) -> list[CourseRow]:
    """The courses of ``rows`` with their teachers and current roster sizes (two queries)."""
    ids = [row["course_id"] for row in rows]
    teachers: dict[UUID, list[str]] = {course_id: [] for course_id in ids}
    counts: dict[UUID, int] = {}
    for chunk in chunked(session, ids, 1):
        found = await session.execute(
            select(COURSE_TEACHERS.c.course_id, COURSE_TEACHERS.c.teacher_number)
            .where(COURSE_TEACHERS.c.course_id.in_(chunk))
            .order_by(COURSE_TEACHERS.c.teacher_number)
        )
        for course_id, number in found:
            teachers[course_id].append(number)
        sizes = await session.execute(
            select(ENROLMENTS.c.course_id, func.count())
            .where(ENROLMENTS.c.course_id.in_(chunk), _OPEN_STAY)
            .group_by(ENROLMENTS.c.course_id)
        )
        counts.update((course_id, count) for course_id, count in sizes)
    return [
        CourseRow.from_mapping(
            row, tuple(teachers[row["course_id"]]), counts.get(row["course_id"], 0)
        )
        for row in rows
    ]


async def is_teacher_of(session: AsyncSession, course_id: UUID, teacher_number: str) -> bool:
    found = await session.scalar(
        select(COURSE_TEACHERS.c.teacher_number).where(
            COURSE_TEACHERS.c.course_id == course_id,
            COURSE_TEACHERS.c.teacher_number == teacher_number,
        )
    )
    return found is not None


async def set_teachers(
    session: AsyncSession, course_id: UUID, teacher_numbers: Sequence[str], *, at: datetime
) -> tuple[list[str], list[str]]:
    """Make ``teacher_numbers`` the course's teachers; the numbers (added, removed).
    Those who stay keep their ``added_at``."""
    current = set(
        (
            await session.execute(
                select(COURSE_TEACHERS.c.teacher_number).where(
                    COURSE_TEACHERS.c.course_id == course_id
                )
            )
        ).scalars()
    )
    wanted = set(teacher_numbers)
    added, removed = sorted(wanted - current), sorted(current - wanted)
    if removed:
        await session.execute(
            delete(COURSE_TEACHERS).where(
                COURSE_TEACHERS.c.course_id == course_id,
                COURSE_TEACHERS.c.teacher_number.in_(removed),
            )
        )
    if added:
        await session.execute(
            insert_for(session, COURSE_TEACHERS).values(
                [{"course_id": course_id, "teacher_number": n, "added_at": at} for n in added]
            )
        )
    return added, removed


def _enrolled_at(at: datetime | None) -> ColumnElement[bool]:
    """The stays open at ``at`` (None: now, the open ones)."""
    if at is None:
        return _OPEN_STAY
    return and_(
        ENROLMENTS.c.enrolled_at <= at,
        or_(ENROLMENTS.c.left_at.is_(None), ENROLMENTS.c.left_at > at),
    )


async def roster(
    session: AsyncSession, course_id: UUID, *, at: datetime | None = None
) -> list[RosterEntry]:
    """The students enrolled at ``at`` (None: now), by number, with their accounts' names."""
    result = await session.execute(
        select(ENROLMENTS.c.student_number, USERS.c.full_name, ENROLMENTS.c.enrolled_at)
        .join(USERS, USERS.c.user_number == ENROLMENTS.c.student_number)
        .where(ENROLMENTS.c.course_id == course_id, _enrolled_at(at))
        .order_by(ENROLMENTS.c.student_number)
    )
    return [
        RosterEntry(student_number=number, full_name=name, enrolled_at=since)
        for number, name, since in result
    ]


async def enrolled_numbers(
    session: AsyncSession, course_id: UUID, student_numbers: Sequence[str]
) -> set[str]:
    """Those of ``student_numbers`` on the course's roster now."""
    found: set[str] = set()
    for chunk in chunked(session, sorted(set(student_numbers)), 1):
        result = await session.execute(
            select(ENROLMENTS.c.student_number).where(
                ENROLMENTS.c.course_id == course_id,
                ENROLMENTS.c.student_number.in_(chunk),
                _OPEN_STAY,
            )
        )
        found.update(result.scalars())
    return found


async def enrol(
    session: AsyncSession, course_id: UUID, student_numbers: Sequence[str], *, at: datetime
) -> list[str]:
    """Open a stay for each student not enrolled yet; the numbers newly enrolled (sorted).

    The partial unique index settles a race: a concurrent enrolment of the same student
    makes this one a no-op, never a second open stay.
    """
    wanted = sorted(set(student_numbers))
    enrolled: list[str] = []
    for chunk in chunked(session, wanted, 3):
        stmt = (
            insert_for(session, ENROLMENTS)
            .values(
                [{"course_id": course_id, "student_number": n, "enrolled_at": at} for n in chunk]
            )
            .on_conflict_do_nothing(
                index_elements=[ENROLMENTS.c.course_id, ENROLMENTS.c.student_number],
                index_where=_OPEN_STAY,
            )
            .returning(ENROLMENTS.c.student_number)
        )
        enrolled.extend((await session.execute(stmt)).scalars())
    return sorted(enrolled)


async def unenrol(
    session: AsyncSession, course_id: UUID, student_number: str, *, at: datetime
) -> bool:
    """Close the student's open stay; False when they are not enrolled."""
    result = await session.execute(
        update(ENROLMENTS)
        .where(
            ENROLMENTS.c.course_id == course_id,
            ENROLMENTS.c.student_number == student_number,
            _OPEN_STAY,
        )
        .values(left_at=at)
    )
    return bool(cast("CursorResult[Any]", result).rowcount)
