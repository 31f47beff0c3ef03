"""Building blocks for bulk, idempotent upserts on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Table, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
Insert = postgresql.Insert | sqlite.Insert

POSTGRES_MAX_PARAMS = 32_767  # the wire protocol counts bind parameters in an int16
SQLITE_MAX_PARAMS = 32_766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999


def dialect_name(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def insert_for(session: AsyncSession, table: Table) -> Insert:
    """``INSERT`` with the dialect's ``ON CONFLICT`` support (there is no portable upsert)."""
    name = dialect_name(session)
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"upserts are not implemented for the {name!r} dialect")


def chunked(
    session: AsyncSession, rows: Sequence[T], columns_per_row: int
) -> Iterator[Sequence[T]]:
    """Slices of ``rows`` whose multi-row ``VALUES`` stay under the driver's parameter limit."""
    limit = POSTGRES_MAX_PARAMS if dialect_name(session) == "postgresql" else SQLITE_MAX_PARAMS
    size = max(1, limit // max(1, columns_per_row))
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def last_per_key(rows: Iterable[T], key: Callable[[T], Hashable]) -> list[T]:
    """One row per key, the last one given winning, in first-seen order.

    PostgreSQL refuses an ``ON CONFLICT DO UPDATE`` that touches the same row twice in one
    statement, so duplicates inside a batch are resolved here.
    """
    latest: dict[Hashable, T] = {}
    for row in rows:
        latest[key(row)] = row
    return list(latest.values())


def any_changed(table: Table, excluded: Any, columns: Iterable[str]) -> ColumnElement[bool]:
    """True when the incoming row differs from the stored one in any of ``columns``.

    Used as the ``DO UPDATE ... WHERE``: replaying a batch then writes nothing at all (no new
    row versions, triggers or timestamps), which is what makes the upserts idempotent.
    """
    return or_(*(table.c[name].is_distinct_from(excluded[name]) for name in columns))
