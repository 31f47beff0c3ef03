"""The one-transaction writer: idempotent, mirrors Redis, never demotes or undeletes.

The writer has its own bulk statements (COPY and array upserts on PostgreSQL, executemany
on SQLite) for speed; these tests pin that they keep the rules of the repository upserts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from attn.db.redis_client import AttendanceSnapshot
from attn.db.sql import repository
from attn.db.sql.rows import UserFromAttendance
from attn.models import AttendanceRecordRedis, AuditEntryRedis, LessonRedis, RecordStatus, Role
from attn.models.types import ROSTER, utcnow
from attn.persistence.errors import BadAttendance
from attn.persistence.parse import ParsedAttendance, parse_snapshot
from attn.persistence.writer import AttendanceWriter
from attn.runtime import Runtime
from tests.helpers.course_reports import enrol, make_course, unenrol
from tests.helpers.factories import make_audit_entry, make_lesson, make_record
from tests.helpers.persistence import (
    assert_matches,
    stored_attendance,
    stored_records,
    stored_user,
    table_count,
)


def parsed(
    lesson: LessonRedis,
    records: list[AttendanceRecordRedis],
    audit: Sequence[AuditEntryRedis] = (),
) -> ParsedAttendance:
    snapshot = AttendanceSnapshot(
        raw_lesson=lesson.to_json(),
        raw_records={record.student_number: record.to_json() for record in records},
        version=1,
        raw_audit=[entry.to_json() for entry in audit],
    )
    return parse_snapshot(str(lesson.attendance_id), snapshot, utcnow())


async def nothing() -> None:
    """``before_commit`` that lets every transaction commit."""


def attendance_with(
    students: list[str], **lesson: Any
) -> tuple[LessonRedis, list[AttendanceRecordRedis]]:
    created = make_lesson(starts_at=utcnow() - timedelta(hours=2), **lesson)
    return created, [
        make_record(created.attendance_id, student_number=number, user_full_name=f"Ad {number}")
        for number in students
    ]


async def row_versions(runtime: Runtime) -> list[object]:
    """PostgreSQL's xmin of every attendance and record row: unchanged rows keep it."""
    async with runtime.engine.connect() as connection:
        result = await connection.execute(
            text(
                "SELECT xmin::text FROM attendances UNION ALL "
                "SELECT xmin::text FROM attendance_records"
            )
        )
        return sorted(row[0] for row in result)


class TestIdempotence:
    async def test_writing_the_same_snapshot_again_changes_nothing(
        self, job_runtime: Runtime
    ) -> None:
        writer = AttendanceWriter(job_runtime.engine)
        lesson, records = attendance_with(["S1", "S2", "S3"])
        await writer.write(parsed(lesson, records), nothing)
        first = await stored_attendance(job_runtime, lesson.attendance_id)
        versions = (
            await row_versions(job_runtime)
            if job_runtime.engine.dialect.name == "postgresql"
            else None
        )
        await AttendanceWriter(job_runtime.engine).write(parsed(lesson, records), nothing)
        again = await stored_attendance(job_runtime, lesson.attendance_id)
        assert again == first  # persisted_at included: the row was not rewritten
        if versions is not None:
            assert await row_versions(job_runtime) == versions  # no new row versions at all
        assert_matches(await stored_records(job_runtime, lesson.attendance_id), records)

    async def test_a_rewrite_mirrors_redis_changes_and_removals(self, job_runtime: Runtime) -> None:
        writer = AttendanceWriter(job_runtime.engine)
        lesson, records = attendance_with(["S1", "S2", "S3"])
        await writer.write(parsed(lesson, records), nothing)
        changed = records[0].model_copy(
            update={
                "status": RecordStatus.EXCUSED,
                "decided_by": "T1001",
                "fail_reason": None,
                "client_ip": "192.0.2.7",
                "attempt_count": 3,
                "updated_at": utcnow(),
            }
        )
        await writer.write(parsed(lesson, [changed, records[2]]), nothing)  # S2 deleted
        assert_matches(
            await stored_records(job_runtime, lesson.attendance_id), [changed, records[2]]
        )

    async def test_a_soft_deleted_record_is_never_undeleted(self, job_runtime: Runtime) -> None:
        writer = AttendanceWriter(job_runtime.engine)
        lesson, records = attendance_with(["S1", "S2"])
        await writer.write(parsed(lesson, records), nothing)
        async with job_runtime.sessionmaker() as session, session.begin():
            await repository.soft_delete_record(
                session, lesson.attendance_id, "S1", reason="duplicate", at=utcnow()
            )
        await writer.write(parsed(lesson, records), nothing)
        assert (await stored_records(job_runtime, lesson.attendance_id))[
            "S1"
        ].deleted_at is not None


class TestAuditOutbox:
    async def test_entries_are_written_once_however_often_the_snapshot_is(
        self, job_runtime: Runtime
    ) -> None:
        lesson, records = attendance_with(["S1"])
        entries = [make_audit_entry(lesson.attendance_id) for _ in range(3)]
        snapshot = parsed(lesson, records, audit=[*entries, entries[1]])  # a retried append
        assert [row["entry_id"] for row in snapshot.audit] == [e.entry_id for e in entries]
        for _attempt in range(2):  # a job that crashed after its commit writes it again
            await AttendanceWriter(job_runtime.engine).write(snapshot, nothing)
        async with job_runtime.sessionmaker() as session:
            page = await repository.list_audit(session, attendance_id=lesson.attendance_id)
        assert {row.entry_id for row in page.items} == {e.entry_id for e in entries}
        assert page.total == len(entries)

    async def test_an_entry_of_another_attendance_is_bad_data(self) -> None:
        lesson, records = attendance_with(["S1"])
        stray = make_audit_entry(make_lesson().attendance_id)
        with pytest.raises(BadAttendance, match="audit entry 0 belongs to another attendance"):
            parsed(lesson, records, audit=[stray])


class TestUsers:
    async def test_a_newer_name_in_a_record_never_renames_a_user(
        self, job_runtime: Runtime
    ) -> None:
        """The directory is the admins': a record's name only creates a missing user."""
        created_at = utcnow() - timedelta(days=10)
        async with job_runtime.sessionmaker() as session, session.begin():
            await repository.create_user(
                session,
                user_number="S1",
                full_name="Şükrü Gündoğdu",
                role=Role.STUDENT,
                at=created_at,
            )
        lesson, records = attendance_with(["S1", "S2"])
        typo = records[0].model_copy(update={"user_full_name": "Sukru Gundogdu (typo)"})
        await AttendanceWriter(job_runtime.engine).write(
            parsed(lesson, [typo, records[1]]), nothing
        )
        user = await stored_user(job_runtime, "S1")
        assert user is not None
        assert (user.full_name, user.updated_at) == ("Şükrü Gündoğdu", created_at)
        new = await stored_user(job_runtime, "S2")
        assert new is not None
        assert (new.full_name, new.role) == ("Ad S2", Role.STUDENT)

    async def test_an_older_name_never_replaces_a_newer_one(self, job_runtime: Runtime) -> None:
        async with job_runtime.sessionmaker() as session, session.begin():
            await repository.create_user(
                session,
                user_number="S1",
                full_name="Renamed By Admin",
                role=Role.ADMIN,
                at=utcnow(),
            )
        lesson, records = attendance_with(["S1"])
        old = records[0].model_copy(update={"updated_at": utcnow() - timedelta(days=1)})
        await AttendanceWriter(job_runtime.engine).write(parsed(lesson, [old]), nothing)
        user = await stored_user(job_runtime, "S1")
        assert user is not None
        assert (user.full_name, user.role) == ("Renamed By Admin", Role.ADMIN)

    async def test_a_user_deleted_behind_the_writers_back_is_written_again(
        self, job_runtime: Runtime
    ) -> None:
        """The writer skips users it wrote before; if one vanished meanwhile the foreign
        key refusal must not dead-letter the attendance: the writer checks for real."""
        writer = AttendanceWriter(job_runtime.engine)
        first, first_records = attendance_with(["S1", "S2"])
        await writer.write(parsed(first, first_records), nothing)
        async with job_runtime.engine.begin() as connection:
            await connection.execute(text("DELETE FROM attendance_records"))
            await connection.execute(text("DELETE FROM attendances"))
            await connection.execute(text("DELETE FROM users"))
        second, second_records = attendance_with(["S1", "S2"])
        await writer.write(parsed(second, second_records), nothing)
        assert_matches(await stored_records(job_runtime, second.attendance_id), second_records)
        assert await table_count(job_runtime, "users") == 3  # teacher, S1, S2


class TestRoster:
    async def test_each_attendance_gets_its_own_rosters_absent_rows_once(
        self, job_runtime: Runtime
    ) -> None:
        """Two attendances of two courses through one writer (the statement is built once:
        each must get its own attendance, roster and close), each written twice."""
        start = utcnow() - timedelta(days=3)
        async with job_runtime.sessionmaker() as session, session.begin():
            await repository.insert_missing_users(
                session, [UserFromAttendance("T1001", "Ayşe Yılmaz", Role.TEACHER, start)]
            )
        course = await make_course(job_runtime, "BIL203", "T1001", at=start)
        other = await make_course(job_runtime, "MAT101", "T1001", at=start)
        await enrol(job_runtime, course, ["S1", "S2", "S3", "S4"], start)
        await enrol(job_runtime, other, ["S1", "S5"], start)
        await unenrol(job_runtime, course, "S4", start + timedelta(days=1))  # before both
        lesson, records = attendance_with(["S1"], course_id=course)
        later, later_records = attendance_with(["S5"], course_id=other)
        writer = AttendanceWriter(job_runtime.engine)
        for _ in range(2):  # the second time: a rewrite, which finds the rows there
            await writer.write(parsed(lesson, records), nothing)
            await writer.write(parsed(later, later_records), nothing)

        for attendance, expected in ((lesson, {"S2", "S3"}), (later, {"S1"})):
            stored = await stored_records(job_runtime, attendance.attendance_id)
            absent = {n: r for n, r in stored.items() if r.decided_by == ROSTER}
            assert set(absent) == expected
            closed = attendance.finished_at or attendance.ends_at
            assert {(r.status, r.checked_in_at, r.attempt_count) for r in absent.values()} == {
                (RecordStatus.ABSENT, closed, 0)
            }
        assert await table_count(job_runtime, "attendance_records") == 5
