"""The database engine factory: one place that knows each backend's connection quirks."""

from __future__ import annotations

import asyncio
import functools
import json
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, NullPool

from attn.config import async_database_url

SQLITE_BUSY_TIMEOUT_S = 5.0
"""How long a SQLite writer waits for another one instead of failing with "database is
locked", unless the caller gives a ``statement_timeout``."""


CONNECT_TIMEOUT_S = 10.0


def create_engine(
    url: str,
    *,
    application_name: str = "attn",
    null_pool: bool = False,
    echo: bool = False,
    statement_timeout: float | None = None,
) -> AsyncEngine:
    """An async engine for ``url`` (plain ``postgresql://`` / ``sqlite://`` URLs are accepted).

    PostgreSQL connections carry ``application_name`` (visible in ``pg_stat_activity``) and
    are pre-pinged so a restarted server costs one retry, not a failed request. SQLite
    connections get foreign keys, WAL (readers never block the writer) and a busy timeout on
    every connection, since those are per-connection settings. ``null_pool`` is for one-shot
    users such as migrations, which should not leave idle connections behind.

    ``statement_timeout`` (seconds) bounds every statement, connection attempt and pool
    checkout, so a hung database costs a request that long and not for ever: on PostgreSQL
    the server's ``statement_timeout`` cancels slow queries cleanly and asyncpg's
    ``command_timeout`` covers a server that does not answer at all (frozen, network
    gone); on SQLite it is the busy timeout. Migrations leave it unset (DDL may be slow).
    """
    parsed = make_url(async_database_url(url))
    options = _pool_options(echo=echo, null_pool=null_pool, statement_timeout=statement_timeout)
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        options["pool_pre_ping"] = True
        options["connect_args"] = _postgres_connect_args(application_name, statement_timeout)
    elif backend == "sqlite":
        _ensure_sqlite_folder(parsed)
    engine = _create_async_engine(parsed, **options)
    if backend == "sqlite":
        busy_ms = round((statement_timeout or SQLITE_BUSY_TIMEOUT_S) * 1000)
        event.listen(engine.sync_engine, "connect", functools.partial(_sqlite_on_connect, busy_ms))
    return engine


def _pool_options(
    *, echo: bool, null_pool: bool, statement_timeout: float | None
) -> dict[str, Any]:
    """The options every backend shares: JSON stored as typed (``ensure_ascii=False``) and
    the pool (none for one-shot users; else a checkout bounded by ``statement_timeout``)."""
    options: dict[str, Any] = {
        "echo": echo,
        "json_serializer": functools.partial(json.dumps, ensure_ascii=False),
    }
    if null_pool:
        options["poolclass"] = NullPool
    elif statement_timeout is not None:
        options["pool_timeout"] = statement_timeout
    return options


def _postgres_connect_args(
    application_name: str, statement_timeout: float | None
) -> dict[str, Any]:
    """asyncpg's connect arguments: the name in ``pg_stat_activity`` and the timeouts."""
    server_settings = {"application_name": application_name}
    connect_args: dict[str, Any] = {
        "server_settings": server_settings,
        # fail fast on a database that hangs instead of refusing: a persistence run
        # or a request must not wait asyncpg's default 60 s per connection attempt
        "timeout": CONNECT_TIMEOUT_S,
    }
    if statement_timeout is not None:
        server_settings["statement_timeout"] = str(round(statement_timeout * 1000))
        connect_args["command_timeout"] = statement_timeout
        connect_args["timeout"] = min(CONNECT_TIMEOUT_S, statement_timeout)
    return connect_args


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded values after commit (no lazy reload in async code)."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(engine: AsyncEngine, *, seconds: float = 2.0) -> bool:
    """``SELECT 1`` within ``seconds``; False on any database error (for ``/ready``)."""
    try:
        async with asyncio.timeout(seconds), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError, TimeoutError):
        return False
    return True


def _ensure_sqlite_folder(url: URL) -> None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_on_connect(busy_ms: int, dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # synchronous stays FULL (the default): the persistence job deletes Redis data once the
    # commit returns, so a commit must survive a power cut.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()
