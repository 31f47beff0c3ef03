"""The hand-written migrations: they build the schema the models describe, on both backends."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
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
from attn.db.sql.tables import Base

TABLES = {"users", "attendances", "attendance_records", "audit_log"}
INDEXES = {
    "users": {"ix_users_role"},
    "attendances": {
        "ix_attendances_teacher_number_starts_at",
        "ix_attendances_starts_at",
        "ix_attendances_lesson_key",
    },
    "attendance_records": {"ix_attendance_records_student_number"},
    "audit_log": {"ix_audit_log_at", "ix_audit_log_attendance_id", "ix_audit_log_student_number"},
}
FOREIGN_KEYS = {
    "attendances": {"fk_attendances_teacher_number_users"},
    "attendance_records": {
        "fk_attendance_records_attendance_id_attendances",
        "fk_attendance_records_student_number_users",
    },
}


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with nothing in it, not even Alembic's version table."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'empty.sqlite3'}"
    make: Callable[[], str] = request.getfixturevalue("fresh_postgres_database")
    return make()


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
        "indexes": {t: {ix["name"] for ix in inspector.get_indexes(t)} for t in tables & TABLES},
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
        assert schema["foreign_keys"] == {t: FOREIGN_KEYS.get(t, set()) for t in TABLES}
        assert schema["checks"] == {
            "users": {"ck_users_role"},
            "attendances": {"ck_attendances_window", "ck_attendances_late_after_minutes"},
            "attendance_records": {
                "ck_attendance_records_status",
                "ck_attendance_records_attempt_count",
            },
            "audit_log": set(),
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
