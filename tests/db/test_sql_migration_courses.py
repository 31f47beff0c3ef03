"""Revision 0005 (courses and rosters) on a database with data in it: upgrading from 0004
keeps every user, attendance, record and audit entry as it was; downgrading gives them back
unchanged, with the course tables gone, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from attn.db.sql.engine import create_engine
from attn.db.sql.migrate import downgrade_async, upgrade_async
from tests.db.test_sql_migrations import inspect_db, schema_of

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
AID = [uuid4(), uuid4()]
ENTRY = uuid4()
OLD_TABLES = ("users", "attendances", "attendance_records", "audit_log")
KEYS = {
    "users": "user_number",
    "attendances": "attendance_id",
    "attendance_records": "attendance_id, student_number",
    "audit_log": "id",
}


ROWS_0004: list[tuple[str, dict[str, Any]]] = [
    *(
        (
            "INSERT INTO users (user_number, full_name, role, password_hash, created_at,"
            " updated_at, deactivated_at) VALUES (:n, :name, :role, :hash, :t, :t, :off)",
            {"n": n, "name": name, "role": role, "hash": hash_, "t": T0, "off": off},
        )
        for n, name, role, hash_, off in [
            ("T1", "Ayşe Yılmaz", "teacher", "$argon2id$v=19$x", None),
            ("A1", "Şükrü Gündoğdu", "admin", "$argon2id$v=19$y", None),
            ("S1", "Çiğdem Öztürk", "student", None, None),
            ("S2", "İsmail Işık", "student", "$argon2id$v=19$z", T0 + timedelta(days=1)),
        ]
    ),
    *(
        (
            "INSERT INTO attendances (attendance_id, lesson_name, lesson_key, teacher_number,"
            " starts_at, ends_at, finished_at, late_after_minutes, settings, created_at,"
            " persisted_at, deleted_at, deletion_reason) VALUES (:aid, :name, :key, 'T1',"
            " :s, :e, :f, :late, :settings, :s, :f, :deleted, :why)",
            {
                "aid": aid,
                "name": name,
                "key": key,
                "s": T0,
                "e": T0 + timedelta(hours=1),
                "f": T0 + timedelta(minutes=50),
                "late": late,
                "settings": settings,
                "deleted": deleted,
                "why": why,
            },
        )
        for aid, name, key, late, settings, deleted, why in [
            (AID[0], "Veri Yapıları", "veri yapilari", 10, '{"code": true}', None, None),
            (AID[1], "Fizik", "fizik", None, '{"network": ["10.0.0.0/8"]}', T0, "yanlış ders"),
        ]
    ),
    *(
        (
            "INSERT INTO attendance_records (attendance_id, student_number, status,"
            " checked_in_at, fail_reason, decided_by, client_ip, device_id, attempt_count,"
            " updated_at, decision_reason) VALUES (:aid, :n, :status, :t, :fail, :by, :ip,"
            " :dev, :tries, :t, :reason)",
            {
                "aid": aid,
                "n": n,
                "status": status,
                "t": T0 + timedelta(minutes=3),
                "fail": fail,
                "by": by,
                "ip": "10.1.2.3",
                "dev": "phone-1",
                "tries": 2,
                "reason": reason,
            },
        )
        for aid, n, status, fail, by, reason in [
            (AID[0], "S1", "present", None, "self", None),
            (AID[0], "S2", "rejected", "wrong_network", "T1", "başka sınıftan"),
            (AID[1], "S1", "late", None, "self", None),
        ]
    ),
    *(
        (
            "INSERT INTO audit_log (at, actor, action, attendance_id, student_number, details,"
            " entry_id) VALUES (:t, :actor, :action, :aid, :n, :details, :entry)",
            {
                "t": T0,
                "actor": actor,
                "action": action,
                "aid": aid,
                "n": n,
                "details": details,
                "entry": entry,
            },
        )
        for actor, action, aid, n, details, entry in [
            ("T1", "record_rejected", AID[0], "S2", '{"reason": "başka sınıftan"}', ENTRY),
            ("A1", "user_created", None, None, '{"user_number": "S1"}', None),
        ]
    ),
]
"""Every kind of row 0004 holds, with Turkish text, NULLs and JSON documents."""


async def execute(url: str, statements: list[tuple[str, dict[str, Any]]]) -> None:
    engine = create_engine(url, null_pool=True)
    try:
        async with engine.begin() as connection:
            for sql, params in statements:
                await connection.execute(sa.text(sql), _bound(connection, params))
    finally:
        await engine.dispose()


def _bound(connection: Any, params: dict[str, Any]) -> dict[str, Any]:
    """UUIDs as the backend stores them in text SQL (SQLite: 32 hex digits)."""
    sqlite = connection.dialect.name == "sqlite"
    return {k: (v.hex if sqlite else v) if isinstance(v, UUID) else v for k, v in params.items()}


def everything(connection: Connection) -> dict[str, list[dict[str, Any]]]:
    """Every row of the 0004 tables in key order, as plain values."""
    return {
        table: [
            dict(row)
            for row in connection.execute(
                sa.text(f"SELECT * FROM {table} ORDER BY {KEYS[table]}")  # noqa: S608
            ).mappings()
        ]
        for table in OLD_TABLES
    }


def without_course(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """``rows`` with 0005's ``attendances.course_id`` taken out (after checking it is NULL)."""
    assert [row.pop("course_id") for row in rows["attendances"]] == [None, None]
    return rows


class TestCoursesRevision:
    async def test_upgrade_keeps_every_row_and_downgrade_gives_them_back(
        self, empty_url: str
    ) -> None:
        await upgrade_async(empty_url, "0004")
        await execute(empty_url, ROWS_0004)
        before = await inspect_db(empty_url, everything)
        assert [len(before[table]) for table in OLD_TABLES] == [4, 2, 3, 2]

        await upgrade_async(empty_url, "0005")
        assert without_course(await inspect_db(empty_url, everything)) == before

        await downgrade_async(empty_url, "0004")
        assert await inspect_db(empty_url, everything) == before
        schema = await inspect_db(empty_url, schema_of)
        assert not schema["tables"] & {"courses", "course_teachers", "enrolments"}

    async def test_new_rows_after_upgrade_fit_the_old_ones(self, empty_url: str) -> None:
        await upgrade_async(empty_url, "0004")
        await execute(empty_url, ROWS_0004)
        await upgrade_async(empty_url, "0005")
        course = uuid4()
        await execute(
            empty_url,
            [
                (
                    "INSERT INTO courses (course_id, code, name, term, created_at, updated_at)"
                    " VALUES (:c, 'BIL203', 'Veri Yapıları', '2026-güz', :t, :t)",
                    {"c": course, "t": T0},
                ),
                (
                    "INSERT INTO course_teachers (course_id, teacher_number, added_at)"
                    " VALUES (:c, 'T1', :t)",
                    {"c": course, "t": T0},
                ),
                (
                    "INSERT INTO enrolments (course_id, student_number, enrolled_at)"
                    " VALUES (:c, 'S1', :t)",
                    {"c": course, "t": T0},
                ),
                (
                    "UPDATE attendances SET course_id = :c WHERE attendance_id = :a",
                    {"c": course, "a": AID[0]},
                ),
                (
                    "INSERT INTO audit_log (at, actor, action, details)"
                    " VALUES (:t, 'A1', 'course_created', '{}')",
                    {"t": T0},
                ),
            ],
        )

        def read(connection: Connection) -> tuple[Any, ...]:
            settings = connection.execute(
                sa.text("SELECT late_weight_percent, threshold_percent FROM courses")
            ).one()
            ids = connection.execute(sa.text("SELECT id FROM audit_log ORDER BY id")).scalars()
            return tuple(settings), list(ids)

        # The defaults of the issue; the audit log's ids go on after the old entries.
        assert await inspect_db(empty_url, read) == ((100, 70), [1, 2, 3])
        await downgrade_async(empty_url, "0004")  # with rows in the new tables and column
        assert len((await inspect_db(empty_url, everything))["audit_log"]) == 3

    @pytest.mark.parametrize(
        ("sql", "params"),
        [
            ("UPDATE attendances SET course_id = :c", {"c": uuid4()}),
            (
                "INSERT INTO enrolments (course_id, student_number, enrolled_at)"
                " VALUES (:c, 'S1', :t)",
                {"c": uuid4(), "t": T0},
            ),
        ],
        ids=["attendance", "enrolment"],
    )
    async def test_an_unknown_course_is_refused(
        self, empty_url: str, sql: str, params: dict[str, Any]
    ) -> None:
        await upgrade_async(empty_url)
        await execute(empty_url, ROWS_0004)
        with pytest.raises(IntegrityError):
            await execute(empty_url, [(sql, params)])

    async def test_one_open_stay_per_student_and_course(self, empty_url: str) -> None:
        await upgrade_async(empty_url)
        course = uuid4()
        stay = (
            "INSERT INTO enrolments (course_id, student_number, enrolled_at, left_at)"
            " VALUES (:c, 'S1', :t, :left)"
        )
        await execute(
            empty_url,
            [
                *ROWS_0004[:4],
                (
                    "INSERT INTO courses (course_id, code, name, term, created_at, updated_at)"
                    " VALUES (:c, 'FIZ101', 'Fizik', '2026-güz', :t, :t)",
                    {"c": course, "t": T0},
                ),
                (stay, {"c": course, "t": T0, "left": T0 + timedelta(days=3)}),
                (stay, {"c": course, "t": T0 + timedelta(days=5), "left": None}),
            ],
        )
        with pytest.raises(IntegrityError):
            await execute(empty_url, [(stay, {"c": course, "t": T0, "left": None})])
