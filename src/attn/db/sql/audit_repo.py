"""The audit log: append-only, one row per manual change by a teacher or admin."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.sql.rows import AuditFilter, AuditPosition, AuditRow, Page
from attn.db.sql.tables import AUDIT_LOG
from attn.models.types import as_uuid


async def add_audit(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    attendance_id: UUID | str | None = None,
    student_number: str | None = None,
    details: dict[str, Any] | None = None,
    at: datetime,
    entry_id: UUID | None = None,
) -> int:
    """Append one entry (put the reason in ``details``) and return its id; every entry
    gets an ``entry_id`` (given, or a new one)."""
    new_id = await session.scalar(
        insert(AUDIT_LOG)
        .values(
            entry_id=entry_id or uuid.uuid4(),
            at=at,
            actor=actor,
            action=action,
            attendance_id=None if attendance_id is None else as_uuid(attendance_id),
            student_number=student_number,
            details=details or {},
        )
        .returning(AUDIT_LOG.c.id)
    )
    assert new_id is not None
    return int(new_id)


async def list_audit(
    session: AsyncSession,
    *,
    attendance_id: UUID | str | None = None,
    student_number: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[AuditRow]:
    """Entries newest first, optionally for one attendance and/or one student."""
    conditions: list[ColumnElement[bool]] = []
    if attendance_id is not None:
        conditions.append(AUDIT_LOG.c.attendance_id == as_uuid(attendance_id))
    if student_number is not None:
        conditions.append(AUDIT_LOG.c.student_number == student_number)
    total = await session.scalar(select(func.count()).select_from(AUDIT_LOG).where(*conditions))
    result = await session.execute(
        select(AUDIT_LOG)
        .where(*conditions)
        .order_by(AUDIT_LOG.c.at.desc(), AUDIT_LOG.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return Page([AuditRow.from_mapping(row) for row in result.mappings()], total or 0)


async def audit_page(
    session: AsyncSession,
    where: AuditFilter,
    *,
    limit: int,
    older_than: AuditPosition | None = None,
) -> list[AuditRow]:
    """Up to ``limit`` entries matching ``where``, newest first, older than ``older_than``.

    Keyset pagination rather than an offset: the log only grows, a deep page costs what
    the first does, and an entry written meanwhile neither repeats nor hides a row. Each
    filter has an index that also serves the order (``ix_audit_log_actor_at``, the
    attendance's and student's few entries, ``ix_audit_log_at`` for a time range).
    """
    conditions = _conditions(where)
    if older_than is not None:
        at, entry = older_than
        column = AUDIT_LOG.c
        conditions.append(or_(column.at < at, and_(column.at == at, column.id < entry)))
    result = await session.execute(
        select(AUDIT_LOG)
        .where(*conditions)
        .order_by(AUDIT_LOG.c.at.desc(), AUDIT_LOG.c.id.desc())
        .limit(limit)
    )
    return [AuditRow.from_mapping(row) for row in result.mappings()]


def _conditions(where: AuditFilter) -> list[ColumnElement[bool]]:
    column = AUDIT_LOG.c
    conditions: list[ColumnElement[bool]] = []
    if where.actor is not None:
        conditions.append(column.actor == where.actor)
    if where.attendance_id is not None:
        conditions.append(column.attendance_id == where.attendance_id)
    if where.student_number is not None:
        conditions.append(column.student_number == where.student_number)
    if where.since is not None:
        conditions.append(column.at >= where.since)
    if where.until is not None:
        conditions.append(column.at < where.until)
    return conditions
