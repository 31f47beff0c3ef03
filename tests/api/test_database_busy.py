"""A SQLite database another writer keeps locked: the request waits the statement timeout
(``ATTN_DATABASE_STATEMENT_TIMEOUT``, SQLite's busy timeout), then answers 503."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from attn.config import Environment, Settings
from attn.db.redis_connection import AnyRedis
from tests.fixtures.app import MakeUser, error_code

STATEMENT_TIMEOUT_S = 0.5


@pytest.fixture
def app_settings(redis_url: str, sqlite_url: str, tmp_path: Path, redis: AnyRedis) -> Settings:
    return Settings(
        environment=Environment.TEST,
        data_dir=tmp_path / "data",
        redis_url=redis_url,
        database_url=sqlite_url,
        auto_migrate=False,
        persist_enabled=False,
        database_statement_timeout=STATEMENT_TIMEOUT_S,
    )


async def test_a_locked_sqlite_database_answers_503_after_the_timeout(
    api: httpx.AsyncClient, make_user: MakeUser, sqlite_url: str
) -> None:
    admin = await make_user("admin")
    path = sqlite_url.split("///", 1)[1]
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
        began = time.monotonic()
        response = await api.post(
            "/api/v1/users",
            json={"user_number": "S4242", "full_name": "Ayşe Yılmaz", "role": "student"},
            headers=admin.headers,
        )
        seconds = time.monotonic() - began
        other.execute("ROLLBACK")
    assert response.status_code == 503, response.text
    assert error_code(response) == "database_unavailable"
    assert response.headers["Retry-After"]
    assert seconds < STATEMENT_TIMEOUT_S + 2.0  # not the former fixed 5 s busy timeout
