"""The hand-written migrations: they build the schema the models describe, on both backends."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from attn.db.sql.engine import create_engine
from attn.db.sql.migrate import (
    MIGRATIONS_DIR,
    current_revision,
    downgrade,
    downgrade_async,
    head_revision,
    upgrade,
    upgrade_async,
)
from attn.db.sql.rows import AttendanceRow
from attn.db.sql.tables import Base

TABLES = {
    "users",
    "attendances",
    "attendance_records",
    "audit_log",
    "courses",
    "course_teachers",
    "enrolments",
    "excuses",
    "excuse_files",
}
INDEXES = {
    "users": {"ix_users_role"},
    "attendances": {
        "ix_attendances_teacher_number_starts_at",
        "ix_attendances_starts_at",
        "ix_attendances_lesson_key",
        "ix_attendances_course_id_starts_at",
    },
    "attendance_records": {"ix_attendance_records_student_number"},
    "audit_log": {
        "ix_audit_log_at",
        "ix_audit_log_actor_at",
        "ix_audit_log_attendance_id",
        "ix_audit_log_student_number",
        "ix_audit_log_entry_id",
    },
    "courses": {"ix_courses_term"},
    "course_teachers": {"ix_course_teachers_teacher_number"},
    "enrolments": {
        "ix_enrolments_current",
        "ix_enrolments_course_id_enrolled_at",
        "ix_enrolments_student_number",
    },
    "excuses": {
        "ix_excuses_open",
        "ix_excuses_attendance_id",
        "ix_excuses_student_number_requested_at",
    },
    "excuse_files": set(),
}
FOREIGN_KEYS = {
    "attendances": {
        "fk_attendances_teacher_number_users",
        "fk_attendances_course_id_courses",
    },
    "course_teachers": {
        "fk_course_teachers_course_id_courses",
        "fk_course_teachers_teacher_number_users",
    },
    "enrolments": {
        "fk_enrolments_course_id_courses",
        "fk_enrolments_student_number_users",
    },
    "excuses": {
        "fk_excuses_attendance_id_attendances",
        "fk_excuses_student_number_users",
    },
    "excuse_files": {"fk_excuse_files_excuse_id_excuses"},
    "attendance_records": {
        "fk_attendance_records_attendance_id_attendances",
        "fk_attendance_records_student_number_users",
    },
}


async def inspect_db(url: str, probe: Callable[[Connection], Any]) -> Any:
    engine = create_engine(url, null_pool=True)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(probe)
    finally:
        await engine.dispose()


def schema_of(connection: Connection) -> dict[str, Any]:
    inspector = inspect(connection)
    tables = set(inspector.get_table_names())
    return {
        "tables": tables,
        # PostgreSQL lists a unique constraint's own index too: only the declared ones here.
        "indexes": {
            t: {ix["name"] for ix in inspector.get_indexes(t) if "duplicates_constraint" not in ix}
            for t in tables & TABLES
        },
        "foreign_keys": {
            t: {fk["name"] for fk in inspector.get_foreign_keys(t)} for t in tables & TABLES
        },
        "checks": {
            t: {ck["name"] for ck in inspector.get_check_constraints(t)} for t in tables & TABLES
        },
    }


def schema_diff(connection: Connection) -> list[Any]:
    opts = {"compare_type": True, "compare_server_default": True}  # as in env.py
    context = MigrationContext.configure(connection, opts=opts)
    return list(compare_metadata(context, Base.metadata))


class TestUpgradeFromEmpty:
    async def test_creates_every_table_with_its_indexes_and_constraints(
        self, empty_url: str
    ) -> None:
        assert await current_revision(empty_url) is None
        await upgrade_async(empty_url)

        schema = await inspect_db(empty_url, schema_of)
        assert schema["tables"] == TABLES | {"alembic_version"}
        assert schema["indexes"] == INDEXES
        expected_keys: dict[str, set[str | None]] = {
            t: set(FOREIGN_KEYS.get(t, ())) for t in TABLES
        }
        if empty_url.startswith("sqlite"):
            # 0005 adds it in the column's definition (ADD COLUMN ... CONSTRAINT name
            # REFERENCES), whose name SQLAlchemy's SQLite reflection does not read.
            expected_keys["attendances"] = {"fk_attendances_teacher_number_users", None}
        assert schema["foreign_keys"] == expected_keys
        assert schema["checks"] == {
            "users": {"ck_users_role"},
            "attendances": {"ck_attendances_window", "ck_attendances_late_after_minutes"},
            "attendance_records": {
                "ck_attendance_records_status",
                "ck_attendance_records_attempt_count",
            },
            "audit_log": set(),
            "courses": {"ck_courses_late_weight_percent", "ck_courses_threshold_percent"},
            "course_teachers": set(),
            "enrolments": {"ck_enrolments_stay"},
            "excuses": {"ck_excuses_status", "ck_excuses_file_storage"},
            "excuse_files": set(),
        }
        assert await current_revision(empty_url) == head_revision()

    async def test_migrated_schema_matches_the_models(self, empty_url: str) -> None:
        await upgrade_async(empty_url)
        assert await inspect_db(empty_url, schema_diff) == []

    async def test_upgrade_at_head_is_a_no_op(self, empty_url: str) -> None:
        await upgrade_async(empty_url)
        await upgrade_async(empty_url)
        assert await current_revision(empty_url) == head_revision()


class TestDowngrade:
    async def test_base_removes_everything_and_upgrade_works_again(self, empty_url: str) -> None:
        await upgrade_async(empty_url)
        await downgrade_async(empty_url, "base")

        schema = await inspect_db(empty_url, schema_of)
        assert schema["tables"] & TABLES == set()
        assert await current_revision(empty_url) is None

        await upgrade_async(empty_url)
        schema = await inspect_db(empty_url, schema_of)
        assert schema["tables"] >= TABLES
        assert schema["indexes"] == INDEXES


MIGRATOR = """
import sys, time
from pathlib import Path
from attn.db.sql.migrate import upgrade
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.005)
upgrade(sys.argv[1])
"""


class TestTwoProcessesAtOnce:
    """``attn serve`` and ``attn demo`` started together on a fresh database both migrate:
    one waits for the other and finds the schema there (was: "table already exists")."""

    def test_both_succeed_and_the_schema_is_made_once(self, empty_url: str, tmp_path: Path) -> None:
        go = tmp_path / "go"
        runs = [
            subprocess.Popen(
                [sys.executable, "-c", MIGRATOR, empty_url, str(go)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        time.sleep(1.5)  # every process has imported ATTN and waits for the signal
        go.touch()
        errors = [run.communicate(timeout=120)[1] for run in runs]
        assert [run.returncode for run in runs] == [0, 0, 0], [err[-600:] for err in errors]
        assert asyncio.run(current_revision(empty_url)) == head_revision()


class TestRunningContext:
    def test_sync_call_outside_an_event_loop(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'sync.sqlite3'}"
        upgrade(url)
        downgrade(url, "base")
        upgrade(url)
        assert (tmp_path / "sync.sqlite3").exists()

    async def test_sync_call_from_inside_a_running_loop(self, tmp_path: Path) -> None:
        url = f"sqlite+aiosqlite:///{tmp_path / 'in-loop.sqlite3'}"
        upgrade(url)  # env.py's asyncio.run cannot nest: this must hop to a thread
        assert await current_revision(url) == head_revision()


class TestMigrationFiles:
    def test_one_linear_history_with_dated_file_names(self) -> None:
        files = sorted(p.name for p in (MIGRATIONS_DIR / "versions").glob("*.py"))
        assert files, "no migration files shipped"
        for name in files:
            year, month, day, seq, _slug = name.split("_", 4)
            assert (len(year), len(month), len(day), len(seq)) == (4, 2, 2, 4), name
        assert head_revision() is not None


# The tables as revision 0001 made them, spelled out: the models may move on.
USERS_0001 = sa.table(
    "users",
    sa.column("user_number", sa.String()),
    sa.column("full_name", sa.String()),
    sa.column("role", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
ATTENDANCES_0001 = sa.table(
    "attendances",
    sa.column("attendance_id", sa.Uuid()),
    sa.column("lesson_name", sa.String()),
    sa.column("lesson_key", sa.String()),
    sa.column("teacher_number", sa.String()),
    sa.column("starts_at", sa.DateTime(timezone=True)),
    sa.column("ends_at", sa.DateTime(timezone=True)),
    sa.column("settings", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

KEYS_0001_0002 = [
    ("Veri Yapıları", "veri yapilari", "veri yapilari"),
    ("Prof. Dr. Ayşe'nin Dersi", "prof. dr. ayşe'nin dersi", "prof dr ayse nin dersi"),
    ("Çiğdem Öztürk ile İŞLETİM", "çiğdem öztürk ile işletim", "cigdem ozturk ile isletim"),
    ("Œuvre Søren", "œuvre søren", "oeuvre soren"),
    ("Æ" * 200, "æ" * 200, "ae" * 100),  # longer once folded: cut to the column's 200
    *((f"Ders {i} Çalışması", f"ders {i} çalişmasi", f"ders {i} calismasi") for i in range(1500)),
]  # fmt: skip
"""Names with their keys before and after 0002: more rows than one batch of the migration,
so its paging is exercised too."""


async def insert_0001_attendances(url: str, names_and_keys: list[tuple[str, str]]) -> list[UUID]:
    ids = [uuid4() for _ in names_and_keys]
    engine = create_engine(url, null_pool=True)
    try:
        async with engine.begin() as connection:
            teacher = {"user_number": "T1", "full_name": "Ayşe Yılmaz", "role": "teacher"}
            await connection.execute(
                sa.insert(USERS_0001), [{**teacher, "created_at": T0, "updated_at": T0}]
            )
            window = {"starts_at": T0, "ends_at": T0 + timedelta(hours=1), "created_at": T0}
            rows = [
                {"attendance_id": aid, "lesson_name": name, "lesson_key": key}
                for aid, (name, key) in zip(ids, names_and_keys, strict=True)
            ]
            await connection.execute(
                sa.insert(ATTENDANCES_0001),
                [{**row, **window, "teacher_number": "T1", "settings": {}} for row in rows],
            )
    finally:
        await engine.dispose()
    return ids


async def stored_keys(url: str) -> dict[UUID, str]:
    def read(connection: Connection) -> dict[UUID, str]:
        query = sa.select(ATTENDANCES_0001.c.attendance_id, ATTENDANCES_0001.c.lesson_key)
        return dict(connection.execute(query).all())

    found: dict[UUID, str] = await inspect_db(url, read)
    return found


class TestFoldedLessonKeys:
    """Revision 0002 recomputes ``attendances.lesson_key`` in the folded form (issue 11)."""

    async def test_upgrade_folds_old_keys_and_downgrade_restores_them(self, empty_url: str) -> None:
        await upgrade_async(empty_url, "0001")
        ids = await insert_0001_attendances(empty_url, [(n, old) for n, old, _ in KEYS_0001_0002])

        await upgrade_async(empty_url, "0002")
        after = await stored_keys(empty_url)
        assert [after[aid] for aid in ids] == [new for _, _, new in KEYS_0001_0002]

        await downgrade_async(empty_url, "0001")
        before = await stored_keys(empty_url)
        assert [before[aid] for aid in ids] == [old for _, old, _ in KEYS_0001_0002]

    async def test_keys_after_upgrading_to_head_are_what_the_app_writes(
        self, empty_url: str
    ) -> None:
        await upgrade_async(empty_url, "0001")
        names = [name for name, _, _ in KEYS_0001_0002[:5]]
        ids = await insert_0001_attendances(empty_url, [(name, "stale") for name in names])
        await upgrade_async(empty_url)
        stored = await stored_keys(empty_url)
        for aid, name in zip(ids, names, strict=True):
            row = AttendanceRow(
                attendance_id=aid, lesson_name=name, teacher_number="T1",
                starts_at=T0, ends_at=T0 + timedelta(hours=1), created_at=T0,
            )  # fmt: skip
            assert stored[aid] == row.lesson_key, name


async def user_columns(url: str) -> set[str]:
    def read(connection: Connection) -> set[str]:
        return {column["name"] for column in inspect(connection).get_columns("users")}

    found: set[str] = await inspect_db(url, read)
    return found


class TestUserDeactivation:
    """Revision 0004: ``users.deactivated_at`` and the audit log's actor index."""

    async def test_existing_users_stay_active_and_downgrade_removes_the_column(
        self, empty_url: str
    ) -> None:
        await upgrade_async(empty_url, "0003")
        await insert_0001_attendances(empty_url, [("Fizik", "fizik")])  # and the teacher T1
        await upgrade_async(empty_url, "0004")

        def read(connection: Connection) -> list[Any]:
            query = sa.text("SELECT user_number, deactivated_at FROM users")
            return [tuple(row) for row in connection.execute(query)]

        assert await inspect_db(empty_url, read) == [("T1", None)]
        schema = await inspect_db(empty_url, schema_of)
        assert "ix_audit_log_actor_at" in schema["indexes"]["audit_log"]

        await downgrade_async(empty_url, "0003")
        assert "deactivated_at" not in await user_columns(empty_url)
        schema = await inspect_db(empty_url, schema_of)
        assert "ix_audit_log_actor_at" not in schema["indexes"]["audit_log"]
        assert await user_columns(empty_url) >= {"user_number", "full_name", "password_hash"}
