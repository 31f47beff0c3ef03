"""Reading the audit log, as admins do: filtered, newest first, a page at a time.

A page ends at a position (its last entry's time and id) that the next request passes back
as ``older_than``, an opaque string to the client: ``<time>_<id>``, checked on the way in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.sql import repository
from attn.db.sql.rows import AuditFilter, AuditPosition, AuditRow
from attn.errors import InvalidCursor
from attn.models.types import format_utc

MAX_PAGE_SIZE = 200
MAX_ID_DIGITS = 18
"""Every id a BIGINT holds; a longer one would be the database's error, not the client's."""


@dataclass(frozen=True, slots=True)
class AuditLogPage:
    items: list[AuditRow]
    next: str | None
    """Where the next (older) page starts; None: this is the last one."""


def position_text(row: AuditRow) -> str:
    return f"{format_utc(row.at)}_{row.id}"


def parse_position(text: str) -> AuditPosition:
    """The position of :func:`position_text`; 422 ``invalid_cursor`` for anything else."""
    at_text, sep, id_text = text.rpartition("_")
    try:
        at = datetime.fromisoformat(at_text)
        entry = int(id_text)
    except ValueError:
        raise InvalidCursor("older_than is not a position this server gave") from None
    if not sep or at.tzinfo is None or not id_text.isdigit() or len(id_text) > MAX_ID_DIGITS:
        raise InvalidCursor("older_than is not a position this server gave")
    return at, entry


async def read_audit(
    session: AsyncSession, where: AuditFilter, *, limit: int = 50, older_than: str | None = None
) -> AuditLogPage:
    """Up to ``limit`` entries (capped) matching ``where``, older than ``older_than``."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    position = parse_position(older_than) if older_than else None
    rows = await repository.audit_page(session, where, limit=limit + 1, older_than=position)
    more = len(rows) > limit
    items = rows[:limit]
    return AuditLogPage(items, position_text(items[-1]) if more else None)
