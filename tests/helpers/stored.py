"""Stored attendances written straight into SQL, as the persistence job leaves them: for
page tests that need a history (many attendances, chosen days) without running lessons."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from attn.db.sql import repository
from attn.db.sql.rows import AttendanceRow, RecordRow, UserFromAttendance
from attn.models import RecordStatus
from attn.models.types import utcnow
from attn.runtime import Runtime
from tests.fixtures.app import Account
from tests.helpers.factories import make_lesson, make_record

Student = tuple[str, str, RecordStatus]
"""A record to store: school number, full name, status."""


async def store_attendance(
    runtime: Runtime,
    teacher: Account,
    *,
    lesson_name: str = "Veri Yapıları",
    starts_at: datetime | None = None,
    students: Sequence[Student] = (),
    **lesson_fields: Any,
) -> UUID:
    """A finished attendance of ``teacher`` with ``students``' records, in SQL."""
    starts_at = starts_at or utcnow() - timedelta(days=1)
    lesson = make_lesson(
        lesson_name=lesson_name,
        teacher_number=teacher.user_number,
        teacher_full_name=teacher.full_name,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=50),
        finished_at=starts_at + timedelta(minutes=45),
        created_at=starts_at,
        **lesson_fields,
    )
    records = [
        make_record(
            lesson.attendance_id,
            student_number=number,
            user_full_name=name,
            status=status,
            checked_in_at=starts_at + timedelta(minutes=2),
            fail_reason="code_invalid" if status is RecordStatus.REJECTED else None,
        )
        for number, name, status in students
    ]
    async with runtime.sessionmaker() as session, session.begin():
        await repository.insert_missing_users(
            session,
            [UserFromAttendance.teacher_of(lesson), *map(UserFromAttendance.student_of, records)],
        )
        await repository.upsert_attendance(
            session, AttendanceRow.from_redis(lesson, persisted_at=lesson.ends_at)
        )
        await repository.upsert_records(session, [RecordRow.from_redis(r) for r in records])
    return lesson.attendance_id
