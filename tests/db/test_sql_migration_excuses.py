"""Revision 0006 (excuse requests) on a database with data in it: upgrading from 0005 keeps
every row of the older tables; downgrading gives them back with the excuse tables gone; the
new tables hold what the service writes (one open request per student and attendance, the
file's bytes apart), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from attn.db.sql.migrate import downgrade_async, upgrade_async
from tests.db.test_sql_migration_courses import AID, ROWS_0004, T0, execute
from tests.db.test_sql_migrations import inspect_db, schema_of

COURSE = uuid4()
TABLES_0005 = {
    "users": "user_number",
    "attendances": "attendance_id",
    "attendance_records": "attendance_id, student_number",
    "audit_log": "id",
    "courses": "course_id",
    "course_teachers": "course_id, teacher_number",
    "enrolments": "id",
}
ROWS_0005: list[tuple[str, dict[str, Any]]] = [
    *ROWS_0004,
    (
        "INSERT INTO courses (course_id, code, name, term, late_weight_percent,"
        " threshold_percent, created_at, updated_at)"
        " VALUES (:c, 'BIL203', 'Veri Yapıları', '2026-güz', 50, 80, :t, :t)",
        {"c": COURSE, "t": T0},
    ),
    (
        "INSERT INTO course_teachers (course_id, teacher_number, added_at) VALUES (:c, 'T1', :t)",
        {"c": COURSE, "t": T0},
    ),
    (
        "INSERT INTO enrolments (course_id, student_number, enrolled_at, left_at)"
        " VALUES (:c, 'S1', :t, NULL), (:c, 'S2', :t, :left)",
        {"c": COURSE, "t": T0, "left": T0 + timedelta(days=2)},
    ),
    ("UPDATE attendances SET course_id = :c WHERE attendance_id = :a", {"c": COURSE, "a": AID[0]}),
]
"""Every kind of row 0005 holds: 0004's and a course with its teacher and roster."""

EXCUSE = (
    "INSERT INTO excuses (excuse_id, attendance_id, student_number, status, note,"
    " requested_at, record_status, file_name, file_type, file_size, file_storage)"
    " VALUES (:e, :a, 'S1', :status, 'Hastaydım, rapor ekte.', :t, 'late', 'rapor.pdf',"
    " 'application/pdf', 5, 'database')"
)


def everything(connection: Connection) -> dict[str, list[dict[str, Any]]]:
    return {
        table: [
            dict(row)
            for row in connection.execute(
                sa.text(f"SELECT * FROM {table} ORDER BY {key}")  # noqa: S608
            ).mappings()
        ]
        for table, key in TABLES_0005.items()
    }


class TestExcusesRevision:
    async def test_upgrade_keeps_every_row_and_downgrade_gives_them_back(
        self, empty_url: str
    ) -> None:
        await upgrade_async(empty_url, "0005")
        await execute(empty_url, ROWS_0005)
        before = await inspect_db(empty_url, everything)
        assert [len(rows) for rows in before.values()] == [4, 2, 3, 2, 1, 1, 2]

        await upgrade_async(empty_url, "0006")
        assert await inspect_db(empty_url, everything) == before
        assert {"excuses", "excuse_files"} <= (await inspect_db(empty_url, schema_of))["tables"]

        await downgrade_async(empty_url, "0005")
        assert await inspect_db(empty_url, everything) == before
        schema = await inspect_db(empty_url, schema_of)
        assert not schema["tables"] & {"excuses", "excuse_files"}

    async def test_a_request_and_its_file_fit_and_go_with_the_downgrade(
        self, empty_url: str
    ) -> None:
        await upgrade_async(empty_url, "0005")
        await execute(empty_url, ROWS_0005)
        await upgrade_async(empty_url, "0006")
        excuse = uuid4()
        await execute(
            empty_url,
            [
                (EXCUSE, {"e": excuse, "a": AID[1], "status": "requested", "t": T0}),
                (
                    "INSERT INTO excuse_files (excuse_id, content) VALUES (:e, :c)",
                    {"e": excuse, "c": b"%PDF-"},
                ),
            ],
        )

        def read(connection: Connection) -> tuple[Any, ...]:
            note = connection.execute(sa.text("SELECT note FROM excuses")).scalar_one()
            content = connection.execute(sa.text("SELECT content FROM excuse_files")).scalar_one()
            return note, bytes(content)

        assert await inspect_db(empty_url, read) == ("Hastaydım, rapor ekte.", b"%PDF-")
        await downgrade_async(empty_url, "0005")  # with rows in the new tables
        assert "excuses" not in (await inspect_db(empty_url, schema_of))["tables"]

    async def test_one_open_request_per_student_and_attendance(self, empty_url: str) -> None:
        await upgrade_async(empty_url)
        await execute(empty_url, ROWS_0005)
        first = {"e": uuid4(), "a": AID[1], "status": "declined", "t": T0}
        second = {"e": uuid4(), "a": AID[1], "status": "requested", "t": T0}
        await execute(empty_url, [(EXCUSE, first), (EXCUSE, second)])  # a declined one stays
        with pytest.raises(IntegrityError):
            await execute(empty_url, [(EXCUSE, {**second, "e": uuid4()})])

    @pytest.mark.parametrize(
        "params",
        [
            {"status": "maybe", "a": AID[1]},
            {"status": "requested", "a": uuid4()},
        ],
        ids=["status", "attendance"],
    )
    async def test_a_bad_row_is_refused(self, empty_url: str, params: dict[str, Any]) -> None:
        await upgrade_async(empty_url)
        await execute(empty_url, ROWS_0005)
        with pytest.raises(IntegrityError):
            await execute(empty_url, [(EXCUSE, {"e": uuid4(), "t": T0, **params})])
