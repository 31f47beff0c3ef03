"""The engine factory: per-connection settings and the readiness ping, on real databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from attn.db.sql.engine import create_engine, ping


async def test_ping_answers_true_on_a_live_database(engine: AsyncEngine) -> None:
    assert await ping(engine) is True


async def test_ping_answers_false_when_the_server_is_unreachable() -> None:
    # Port 9 (discard) on loopback: nothing listens there, the connection is refused.
    engine = create_engine("postgresql://nobody@127.0.0.1:9/none")
    try:
        assert await ping(engine, seconds=2) is False
    finally:
        await engine.dispose()


async def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path: Path) -> None:
    database = tmp_path / "not" / "yet" / "there.sqlite3"
    engine = create_engine(f"sqlite:///{database}")  # plain URL: mapped to aiosqlite
    try:
        async with engine.connect() as connection:
            pragmas = {
                name: await connection.scalar(text(f"PRAGMA {name}"))
                for name in ("foreign_keys", "journal_mode", "busy_timeout")
            }
    finally:
        await engine.dispose()
    assert pragmas == {"foreign_keys": 1, "journal_mode": "wal", "busy_timeout": 5000}
    assert database.exists(), "the parent folders of the SQLite file are created"


@pytest.mark.postgres
async def test_postgres_connections_carry_the_application_name(postgres_url: str) -> None:
    engine = create_engine(postgres_url, application_name="attn-engine-test")
    try:
        async with engine.connect() as connection:
            name = await connection.scalar(text("SELECT current_setting('application_name')"))
    finally:
        await engine.dispose()
    assert name == "attn-engine-test"
