"""A student's report across their courses: the student's own, every course's for admins,
and only the courses a teacher teaches for that teacher."""

from __future__ import annotations

from collections import defaultdict
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.sql import reports_repo
from attn.db.sql.reports_repo import HeldAttendance, Stay
from attn.errors import UserNotFound
from attn.models import Role, UserRedis
from attn.models.api_reports import StudentReport
from attn.report_errors import NotYourReport
from attn.services.reports.grid import student_course


async def build_student_report(
    session: AsyncSession, user: UserRedis, student_number: str
) -> StudentReport:
    """The student's courses (every course they were enrolled in or have a record in), by
    term and code; 403 ``not_your_report`` for another student, or for a teacher when the
    student is in none of their courses; 404 ``user_not_found`` for staff."""
    if user.role is Role.STUDENT and user.user_number != student_number:
        raise NotYourReport("a student sees only their own report")
    names = await reports_repo.full_names(session, [student_number])
    if student_number not in names:
        raise UserNotFound(f"no user {student_number}")
    marks = await reports_repo.student_marks(session, student_number)
    stays = await reports_repo.student_stays(session, student_number)
    course_ids = {course for course, _, _ in marks} | {stay.course_id for stay in stays}
    if user.role is Role.TEACHER:
        course_ids &= await reports_repo.taught_course_ids(session, user.user_number)
        if not course_ids:
            raise NotYourReport(f"{student_number} is in none of your courses")
    headers = await reports_repo.course_headers(session, sorted(course_ids))
    held_of: dict[UUID, list[HeldAttendance]] = defaultdict(list)
    for attendance in await reports_repo.held_attendances(session, sorted(course_ids)):
        held_of[attendance.course_id].append(attendance)
    marks_of: dict[UUID, dict[UUID, str]] = defaultdict(dict)
    for course, attendance_id, status in marks:
        marks_of[course][attendance_id] = status
    stays_of: dict[UUID, list[Stay]] = defaultdict(list)
    for stay in stays:
        stays_of[stay.course_id].append(stay)
    courses = [
        student_course(h, held_of[h.course_id], marks_of[h.course_id], stays_of[h.course_id])
        for h in headers
    ]
    return StudentReport(
        student_number=student_number, full_name=names[student_number], courses=courses
    )
