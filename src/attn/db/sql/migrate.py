"""Run the Alembic migrations shipped inside the package, without an ``alembic.ini``.

``upgrade``/``downgrade`` are plain functions so the CLI and start-up can call them, but the
async ``env.py`` drives its own event loop with ``asyncio.run``, which cannot nest. Called
from inside a running loop they therefore run the migration in a fresh thread (blocking the
caller until it is done); async code should prefer ``await upgrade_async(url)``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from attn.config import async_database_url
from attn.db.sql.engine import create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config for ``url`` pointing at ``attn/migrations`` (no file needed).

    The URL travels in ``attributes``, not ``sqlalchemy.url``, so a password containing
    ``%`` is not mangled by ini interpolation.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.attributes["url"] = async_database_url(url)
    config.attributes["configure_logging"] = False
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` up to ``revision`` (idempotent at head)."""
    _run_outside_loop(lambda: command.upgrade(alembic_config(url), revision))


def downgrade(url: str, revision: str) -> None:
    """Migrate down to ``revision`` (``"base"`` removes every ATTN table)."""
    _run_outside_loop(lambda: command.downgrade(alembic_config(url), revision))


async def upgrade_async(url: str, revision: str = "head") -> None:
    await asyncio.to_thread(upgrade, url, revision)


async def downgrade_async(url: str, revision: str) -> None:
    await asyncio.to_thread(downgrade, url, revision)


def head_revision() -> str | None:
    """The newest revision shipped with this version of ATTN."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is at (None when it was never migrated)."""

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    engine = create_engine(url, application_name="attn-migrate", null_pool=True)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(read)
    finally:
        await engine.dispose()


def _run_outside_loop(job: Callable[[], None]) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        job()
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="attn-migrate") as pool:
        pool.submit(job).result()
