"""Lists of requests: a student's own, an attendance's, a course's, a teacher's pending ones,
and one request as the API shows it."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.sql import courses_repo, excuses_repo
from attn.db.sql.excuse_rows import ExcuseListed
from attn.models import UserRedis
from attn.models.api_excuses import ExcuseFileOut, ExcuseOut, ExcuseStatus
from attn.services.attendance.locate import archived
from attn.services.courses.access import managed_course
from attn.services.excuses import access


def excuse_out(listed: ExcuseListed) -> ExcuseOut:
    row, info = listed.excuse, listed.excuse.file
    return ExcuseOut(
        excuse_id=row.excuse_id,
        attendance_id=row.attendance_id,
        lesson_name=listed.lesson_name,
        starts_at=listed.starts_at,
        course_id=listed.course_id,
        student_number=row.student_number,
        student_full_name=listed.student_name,
        status=row.status,
        note=row.note,
        record_status=row.record_status,
        requested_at=row.requested_at,
        file=ExcuseFileOut(name=info.name, media_type=info.media_type, size=info.size)
        if info
        else None,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        decision_reason=row.decision_reason,
    )


async def own(session: AsyncSession, user: UserRedis) -> list[ExcuseListed]:
    return await excuses_repo.list_for_student(session, user.user_number)


async def for_attendance(
    session: AsyncSession, user: UserRedis, attendance_id: UUID, status: ExcuseStatus | None
) -> list[ExcuseListed]:
    """An attendance's requests, for those who decide them (404, then 403)."""
    row = await archived(session, attendance_id)
    await access.ensure_manages_attendance(session, user, row.teacher_number, row.course_id)
    return await excuses_repo.list_for_attendance(session, attendance_id, status)


async def for_course(
    session: AsyncSession, user: UserRedis, course_id: UUID, status: ExcuseStatus | None
) -> list[ExcuseListed]:
    """A course's requests, for its teachers and admins (404, then 403)."""
    await managed_course(session, user, course_id)
    return await excuses_repo.list_for_course(session, course_id, status)


async def pending_for_teacher(session: AsyncSession, user: UserRedis) -> list[ExcuseListed]:
    """Open requests for the teacher's attendances and their courses' (the home page)."""
    courses = await courses_repo.list_courses(session, teacher_number=user.user_number)
    return await excuses_repo.list_for_teacher(
        session, user.user_number, [c.course_id for c in courses], ExcuseStatus.REQUESTED
    )
