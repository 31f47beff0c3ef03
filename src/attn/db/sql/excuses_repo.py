"""Excuse requests and their files (docs/design.md#excuses).

Listing reads ``excuses`` (joined to the attendance and the student's name) and never
``excuse_files``: the bytes are read only by :func:`get_file_content`, for a download.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.sql._dml import insert_for
from attn.db.sql.excuse_rows import ExcuseListed, ExcuseRow
from attn.db.sql.tables import ATTENDANCES, ENROLMENTS, EXCUSE_FILES, EXCUSES, USERS
from attn.models.api_excuses import ExcuseStatus

LIST_LIMIT = 500
"""At most this many requests in one list (an attendance or a course has far fewer)."""


async def add_excuse(session: AsyncSession, row: ExcuseRow, content: bytes | None) -> bool:
    """Insert a request (and its file's bytes when kept in the database); False when the
    student already has an open request for the attendance (nothing written)."""
    stmt = (
        insert_for(session, EXCUSES)
        .values(**row.values())
        .on_conflict_do_nothing(
            index_elements=[EXCUSES.c.attendance_id, EXCUSES.c.student_number],
            index_where=text("status = 'requested'"),
        )
        .returning(EXCUSES.c.excuse_id)
    )
    if (await session.execute(stmt)).first() is None:
        return False
    if content is not None:
        await session.execute(
            insert_for(session, EXCUSE_FILES).values(excuse_id=row.excuse_id, content=content)
        )
    return True


async def get_excuse(session: AsyncSession, excuse_id: UUID) -> ExcuseListed | None:
    found = await _listed(session, EXCUSES.c.excuse_id == excuse_id, limit=1)
    return found[0] if found else None


async def open_excuse(
    session: AsyncSession, attendance_id: UUID, student_number: str
) -> ExcuseRow | None:
    """The student's open request for the attendance, if any."""
    row = (
        (
            await session.execute(
                select(EXCUSES).where(
                    EXCUSES.c.attendance_id == attendance_id,
                    EXCUSES.c.student_number == student_number,
                    EXCUSES.c.status == ExcuseStatus.REQUESTED.value,
                )
            )
        )
        .mappings()
        .first()
    )
    return ExcuseRow.from_mapping(row) if row is not None else None


async def list_for_student(session: AsyncSession, student_number: str) -> list[ExcuseListed]:
    """The student's requests, newest first."""
    return await _listed(session, EXCUSES.c.student_number == student_number)


async def list_for_attendance(
    session: AsyncSession, attendance_id: UUID, status: ExcuseStatus | None = None
) -> list[ExcuseListed]:
    return await _listed(session, EXCUSES.c.attendance_id == attendance_id, status=status)


async def list_for_course(
    session: AsyncSession, course_id: UUID, status: ExcuseStatus | None = None
) -> list[ExcuseListed]:
    return await _listed(session, ATTENDANCES.c.course_id == course_id, status=status)


async def list_for_teacher(
    session: AsyncSession,
    teacher_number: str,
    course_ids: Sequence[UUID],
    status: ExcuseStatus | None = None,
) -> list[ExcuseListed]:
    """Requests for the teacher's own attendances and those of the courses they teach."""
    mine = ATTENDANCES.c.teacher_number == teacher_number
    condition = mine | ATTENDANCES.c.course_id.in_(course_ids) if course_ids else mine
    return await _listed(session, condition, status=status)


async def _listed(
    session: AsyncSession,
    condition: ColumnElement[bool],
    *,
    status: ExcuseStatus | None = None,
    limit: int = LIST_LIMIT,
) -> list[ExcuseListed]:
    stmt: Select[Any] = (
        select(
            EXCUSES,
            USERS.c.full_name.label("student_name"),
            ATTENDANCES.c.lesson_name,
            ATTENDANCES.c.starts_at,
            ATTENDANCES.c.teacher_number,
            ATTENDANCES.c.course_id,
        )
        .join(ATTENDANCES, ATTENDANCES.c.attendance_id == EXCUSES.c.attendance_id)
        .join(USERS, USERS.c.user_number == EXCUSES.c.student_number)
        .where(condition)
    )
    if status is not None:
        stmt = stmt.where(EXCUSES.c.status == status.value)
    stmt = stmt.order_by(EXCUSES.c.requested_at.desc(), EXCUSES.c.excuse_id).limit(limit)
    return [
        ExcuseListed(
            excuse=ExcuseRow.from_mapping(row),
            student_name=row["student_name"],
            lesson_name=row["lesson_name"],
            starts_at=row["starts_at"],
            teacher_number=row["teacher_number"],
            course_id=row["course_id"],
        )
        for row in (await session.execute(stmt)).mappings()
    ]


async def decide_excuse(
    session: AsyncSession,
    excuse_id: UUID,
    *,
    status: ExcuseStatus,
    decided_by: str,
    reason: str | None,
    at: datetime,
) -> bool:
    """Close an open request; False when it is no longer open (decided meanwhile)."""
    result = await session.execute(
        update(EXCUSES)
        .where(
            EXCUSES.c.excuse_id == excuse_id,
            EXCUSES.c.status == ExcuseStatus.REQUESTED.value,
        )
        .values(status=status.value, decided_by=decided_by, decided_at=at, decision_reason=reason)
    )
    return bool(getattr(result, "rowcount", 0))


async def get_file_content(session: AsyncSession, excuse_id: UUID) -> bytes | None:
    """The bytes of an excuse's file kept in the database."""
    content = await session.scalar(
        select(EXCUSE_FILES.c.content).where(EXCUSE_FILES.c.excuse_id == excuse_id)
    )
    return bytes(content) if content is not None else None


async def was_enrolled(
    session: AsyncSession, course_id: UUID, student_number: str, at: datetime
) -> bool:
    """Whether the student was on the course's roster at ``at``."""
    found = await session.scalar(
        select(ENROLMENTS.c.id)
        .where(
            ENROLMENTS.c.course_id == course_id,
            ENROLMENTS.c.student_number == student_number,
            ENROLMENTS.c.enrolled_at <= at,
            or_(ENROLMENTS.c.left_at.is_(None), ENROLMENTS.c.left_at > at),
        )
        .limit(1)
    )
    return found is not None
