"""One migration at a time per database: two processes starting together on a fresh
database (``attn serve`` and ``attn demo``, two API processes with auto-migrate) would
otherwise both create the tables, and the second fail with "table already exists".

PostgreSQL: a transaction-scoped advisory lock taken first in the migration's transaction
(DDL is transactional there), so the second migrator waits and then reads the first one's
committed revision. SQLite: an exclusive ``flock`` on a file beside the database, held for
the whole run (its DDL commits as it goes).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from attn.file_lock import exclusive

POSTGRES_LOCK_ID = 0x4154544E
"""The advisory lock's key ("ATTN" in ASCII): the same in every ATTN process."""


def take_postgres_lock(connection: Connection) -> None:
    """Wait for any other migration of this database; released at commit or rollback."""
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRES_LOCK_ID})


@contextlib.contextmanager
def migration_lock(connection: Connection) -> Iterator[None]:
    """Hold the SQLite database file's migration lock (nothing for other databases, an
    in-memory one, or a folder that does not exist yet, which no other process can use)."""
    database = connection.engine.url.database
    if connection.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    lock_path = Path(database).with_name(Path(database).name + ".migrate-lock")
    if not lock_path.parent.is_dir():
        yield
        return
    with exclusive(lock_path):
        yield
