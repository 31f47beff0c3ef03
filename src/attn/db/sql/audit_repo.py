"""The audit log: append-only, one row per manual change by a teacher or admin."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.sql.rows import AuditRow, Page
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
