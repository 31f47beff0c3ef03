"""A course's report, for its teachers and admins: four indexed reads, then
:func:`attn.services.reports.grid.course_report`."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.sql import reports_repo
from attn.db.sql.course_rows import CourseRow
from attn.db.sql.reports_repo import CourseHeader
from attn.models import UserRedis
from attn.models.api_reports import CourseReport
from attn.services.courses.access import managed_course
from attn.services.reports.grid import course_report


def header_of(course: CourseRow) -> CourseHeader:
    return CourseHeader(
        course_id=course.course_id,
        code=course.code,
        name=course.name,
        term=course.term,
        late_weight_percent=course.late_weight_percent,
        threshold_percent=course.threshold_percent,
    )


async def build_course_report(
    session: AsyncSession, user: UserRedis, course_id: UUID
) -> CourseReport:
    """The matrix, rates and counts of the course; 404 ``course_not_found``, 403 for a
    student (``wrong_role``) or a teacher of other courses (``not_your_course``). An empty
    course (no attendance held, nobody enrolled) is a report with empty lists."""
    course = await managed_course(session, user, course_id)
    held = await reports_repo.held_attendances(session, [course.course_id])
    marks = await reports_repo.marks_by_student(session, [a.attendance_id for a in held])
    stays = await reports_repo.course_stays(session, course.course_id)
    numbers = marks.keys() | {stay.student_number for stay in stays}
    names = await reports_repo.full_names(session, sorted(numbers))
    return course_report(header_of(course), held, marks, stays, names)
