"""A course with a history for the report tests, written straight into SQL as the courses
service and the persistence job leave it: stays with chosen times, stored attendances of
the course with chosen records (absent rows included, as persistence writes them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from attn.db.sql import courses_repo, repository
from attn.db.sql.course_rows import CourseValues
from attn.db.sql.rows import AttendanceRow, RecordRow, UserFromAttendance
from attn.models import RecordStatus, Role
from attn.models.types import utcnow
from tests.fixtures.app import Account
from tests.helpers.factories import make_lesson, make_record

P, L, E, A, R = (RecordStatus(s) for s in ("present", "late", "excused", "absent", "rejected"))
NAMES = {
    "S1": "Ayşe Çağlar",
    "S2": "İsmail Öztürk",
    "S3": '=HYPERLINK("http://evil")',
    "S4": "Gülşen Işık",
    "S5": "Walk In",
    "S6": "Left Early",
}


class Runtime(Protocol):
    """Where the rows go: the app's runtime, or any holder of a sessionmaker."""

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]: ...


@dataclass(frozen=True)
class Scenario:
    """BIL203 (late weight 50 %, threshold 70 %) taught by T1: three held attendances, one
    deleted one, and an attendance of another course (MAT101, taught by T2) for S1."""

    course_id: UUID
    other_course_id: UUID
    attendance_ids: list[UUID]
    start: datetime


async def store_course_attendance(
    runtime: Runtime,
    teacher: Account,
    course_id: UUID,
    starts_at: datetime,
    records: Sequence[tuple[str, RecordStatus]],
    *,
    deleted: bool = False,
) -> UUID:
    lesson = make_lesson(
        lesson_name="Veri Yapıları",
        teacher_number=teacher.user_number,
        teacher_full_name=teacher.full_name,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=50),
        finished_at=starts_at + timedelta(minutes=45),
        created_at=starts_at,
    )
    stored = [
        make_record(
            lesson.attendance_id,
            student_number=number,
            user_full_name=NAMES.get(number, number),
            status=status,
            checked_in_at=starts_at + timedelta(minutes=2),
            fail_reason="code_invalid" if status is RecordStatus.REJECTED else None,
        )
        for number, status in records
    ]
    row = replace(
        AttendanceRow.from_redis(lesson, persisted_at=lesson.ends_at), course_id=course_id
    )
    if deleted:
        row = replace(row, deleted_at=lesson.ends_at, deletion_reason="a mistake")
    async with runtime.sessionmaker() as session, session.begin():
        await repository.insert_missing_users(
            session,
            [UserFromAttendance.teacher_of(lesson), *map(UserFromAttendance.student_of, stored)],
        )
        await repository.upsert_attendance(session, row)
        await repository.upsert_records(session, [RecordRow.from_redis(r) for r in stored])
    return lesson.attendance_id


async def make_course(
    runtime: Runtime, code: str, teacher: str, *, late: int = 50, at: datetime
) -> UUID:
    values = CourseValues(
        code=code, name="Veri Yapıları", term="2026-güz", late_weight_percent=late
    )
    async with runtime.sessionmaker() as session, session.begin():
        course = await courses_repo.create_course(session, values, at=at)
        await courses_repo.set_teachers(session, course.course_id, [teacher], at=at)
    return course.course_id


async def enrol(runtime: Runtime, course_id: UUID, numbers: list[str], at: datetime) -> None:
    async with runtime.sessionmaker() as session, session.begin():
        await repository.insert_missing_users(
            session, [UserFromAttendance(n, NAMES.get(n, n), Role.STUDENT, at) for n in numbers]
        )
        await courses_repo.enrol(session, course_id, numbers, at=at)


async def unenrol(runtime: Runtime, course_id: UUID, number: str, at: datetime) -> None:
    async with runtime.sessionmaker() as session, session.begin():
        await courses_repo.unenrol(session, course_id, number, at=at)


async def scenario(runtime: Runtime, teacher: Account, other_teacher: Account) -> Scenario:
    """See :class:`Scenario`; the expected figures are worked out in the tests."""
    start = utcnow() - timedelta(days=10)
    day = timedelta(days=1)
    course = await make_course(runtime, "BIL203", teacher.user_number, at=start)
    other = await make_course(runtime, "MAT101", other_teacher.user_number, at=start)
    await enrol(runtime, course, ["S1", "S2", "S3", "S6"], start)
    await enrol(runtime, other, ["S1"], start)
    first = await store_course_attendance(
        runtime, teacher, course, start + 1 * day, [("S1", P), ("S2", L), ("S3", A), ("S6", P)]
    )
    await unenrol(runtime, course, "S6", start + 1.5 * day)
    await enrol(runtime, course, ["S4"], start + 1.5 * day)
    second = await store_course_attendance(
        runtime, teacher, course, start + 2 * day, [("S1", L), ("S2", E), ("S4", P), ("S5", P)]
    )
    third = await store_course_attendance(
        runtime, teacher, course, start + 3 * day, [("S1", P), ("S2", R), ("S3", P), ("S4", A)]
    )
    await store_course_attendance(
        runtime, teacher, course, start + 4 * day, [("S1", A), ("S2", A)], deleted=True
    )
    await store_course_attendance(runtime, other_teacher, other, start + 2 * day, [("S1", A)])
    return Scenario(course, other, [first, second, third], start)
