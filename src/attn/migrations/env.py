"""Alembic environment: async, usable from ``attn migrate``/``attn.db.sql.migrate`` and the CLI.

The URL comes, in order, from ``config.attributes["url"]`` (set by ``attn.db.sql.migrate``),
``sqlalchemy.url`` in an ini file, or the ATTN settings (``ATTN_DATABASE_URL`` / SQLite in
``ATTN_DATA_DIR``). A caller may also hand in an open sync connection as
``config.attributes["connection"]``.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from attn.config import async_database_url, get_settings
from attn.db.sql.engine import create_engine
from attn.db.sql.migration_lock import migration_lock, take_postgres_lock
from attn.db.sql.tables import Base

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    return async_database_url(url or get_settings().effective_database_url)


def _configure(**options: object) -> None:
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        compare_server_default=True,
        **options,  # type: ignore[arg-type]
    )


def run_migrations_offline() -> None:
    """Emit SQL to stdout (``alembic upgrade head --sql``) instead of running it."""
    url = _url()
    _configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    # SQLite can hardly ALTER a table: future migrations get batch (copy-and-move) mode.
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with migration_lock(connection), context.begin_transaction():
        if connection.dialect.name == "postgresql":
            take_postgres_lock(connection)
        context.run_migrations()


async def run_async_migrations() -> None:
    engine = create_engine(_url(), application_name="attn-migrate", null_pool=True)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection)
        return
    asyncio.run(run_async_migrations())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
