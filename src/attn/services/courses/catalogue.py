"""The admins' side of courses: create one, correct it, name its teachers; and the lists
(every course for an admin, their own for a teacher), and the codes pages show next to an
attendance of a course. Each change is audited in its transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from attn.course_errors import NotATeacher
from attn.db.sql import courses_repo, repository
from attn.db.sql.course_rows import CourseRow, CourseValues
from attn.models import Role, UserRedis
from attn.models.api_courses import CourseCreate, CourseUpdate
from attn.services.courses.access import get_course
from attn.services.outcomes import translated


async def create_course(
    session: AsyncSession, data: CourseCreate, *, actor: str, now: datetime
) -> CourseRow:
    """A new course with its teachers; 409 ``course_exists`` for a taken code, 422
    ``not_a_teacher`` for a number that is no teacher's (nothing is written then)."""
    await _ensure_teachers(session, data.teacher_numbers)
    values = CourseValues(
        code=data.code,
        name=data.name,
        term=data.term,
        late_weight_percent=data.late_weight_percent,
        threshold_percent=data.threshold_percent,
    )
    with translated():
        course = await courses_repo.create_course(session, values, at=now)
    await courses_repo.set_teachers(session, course.course_id, data.teacher_numbers, at=now)
    await _audit(session, actor, "course_created", course, now, values=_plain(values))
    return await get_course(session, course.course_id)


async def update_course(
    session: AsyncSession, course_id: UUID, data: CourseUpdate, *, actor: str, now: datetime
) -> CourseRow:
    """Correct a course's values (the others stay); 404, or 409 for a taken code."""
    current = await get_course(session, course_id)
    values = CourseValues(
        code=data.code or current.code,
        name=data.name or current.name,
        term=data.term or current.term,
        late_weight_percent=_given(data.late_weight_percent, current.late_weight_percent),
        threshold_percent=_given(data.threshold_percent, current.threshold_percent),
    )
    with translated():
        await courses_repo.update_course(session, course_id, values, at=now)
    before = CourseValues(
        code=current.code,
        name=current.name,
        term=current.term,
        late_weight_percent=current.late_weight_percent,
        threshold_percent=current.threshold_percent,
    )
    await _audit(
        session, actor, "course_updated", current, now, before=_plain(before), after=_plain(values)
    )
    return await get_course(session, course_id)


async def set_teachers(
    session: AsyncSession,
    course_id: UUID,
    teacher_numbers: Sequence[str],
    *,
    actor: str,
    now: datetime,
) -> CourseRow:
    """Make these the course's teachers; 404, or 422 ``not_a_teacher``."""
    course = await get_course(session, course_id)
    await _ensure_teachers(session, teacher_numbers)
    added, removed = await courses_repo.set_teachers(session, course_id, teacher_numbers, at=now)
    if added or removed:
        await _audit(session, actor, "course_teachers_set", course, now, added=added,
                     removed=removed)  # fmt: skip
    return await get_course(session, course_id)


async def list_courses(
    session: AsyncSession, user: UserRedis, *, term: str | None = None
) -> list[CourseRow]:
    """Every course for an admin; the courses a teacher teaches for a teacher."""
    teacher = None if user.role is Role.ADMIN else user.user_number
    term = (term or "").strip() or None
    return await courses_repo.list_courses(session, teacher_number=teacher, term=term)


async def course_codes(
    session: AsyncSession, course_ids: Iterable[UUID | None], known: Iterable[CourseRow] = ()
) -> dict[UUID, str]:
    """The code of each course of ``course_ids`` (ad-hoc ``None`` left out): from ``known``
    (the viewer's own courses, already read for the page), else read one by one (an old
    lesson of a course its teacher no longer teaches, an admin's page)."""
    codes = {course.course_id: course.code for course in known}
    wanted = {course_id for course_id in course_ids if course_id is not None}
    for course_id in wanted - codes.keys():
        course = await courses_repo.get_course(session, course_id)
        if course is not None:
            codes[course_id] = course.code
    return {course_id: codes[course_id] for course_id in wanted if course_id in codes}


async def course_code(session: AsyncSession, course_id: UUID | None) -> str | None:
    """The code of an attendance's course; None for an ad-hoc attendance."""
    return (await course_codes(session, [course_id])).get(course_id) if course_id else None


async def _ensure_teachers(session: AsyncSession, numbers: Sequence[str]) -> None:
    found = await repository.get_users(session, numbers)
    wrong = sorted(
        number
        for number in set(numbers)
        if number not in found or found[number].role is not Role.TEACHER
    )
    if wrong:
        raise NotATeacher(
            f"not a teacher's account: {', '.join(wrong)}", details={"user_numbers": wrong}
        )


def _given(value: int | None, current: int) -> int:
    return current if value is None else value


def _plain(values: CourseValues) -> dict[str, Any]:
    return {
        "code": values.code,
        "name": values.name,
        "term": values.term,
        "late_weight_percent": values.late_weight_percent,
        "threshold_percent": values.threshold_percent,
    }


async def _audit(
    session: AsyncSession,
    actor: str,
    action: str,
    course: CourseRow,
    now: datetime,
    **details: Any,
) -> None:
    await repository.add_audit(
        session,
        actor=actor,
        action=action,
        details={"course_id": str(course.course_id), "code": course.code, **details},
        at=now,
    )
