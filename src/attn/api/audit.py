"""/api/v1/audit: the audit log, for admins only."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from attn.api.deps import CurrentAdmin, SessionDep
from attn.api.errors import error_responses
from attn.db.sql.rows import AuditFilter
from attn.models.api_audit import AuditEntryOut, AuditPage
from attn.models.types import USER_NUMBER_PATTERN, UtcDateTime
from attn.services import audit_log

router = APIRouter(tags=["audit"])

NumberFilter = Annotated[str | None, Query(pattern=USER_NUMBER_PATTERN)]


@router.get("", response_model=AuditPage, responses=error_responses(401, 403, 422))
async def read_audit(
    admin: CurrentAdmin,
    session: SessionDep,
    actor: NumberFilter = None,
    attendance_id: UUID | None = None,
    student_number: NumberFilter = None,
    since: Annotated[UtcDateTime | None, Query(description="Inclusive.")] = None,
    until: Annotated[UtcDateTime | None, Query(description="Exclusive.")] = None,
    limit: Annotated[int, Query(ge=1, le=audit_log.MAX_PAGE_SIZE)] = 50,
    older_than: Annotated[str | None, Query(max_length=64)] = None,
) -> AuditPage:
    """Manual changes newest first, by actor, attendance, student and time; pass `next`
    back as `older_than` for the older ones."""
    where = AuditFilter(
        actor=actor,
        attendance_id=attendance_id,
        student_number=student_number,
        since=since,
        until=until,
    )
    page = await audit_log.read_audit(session, where, limit=limit, older_than=older_than)
    return AuditPage(items=[AuditEntryOut.from_row(row) for row in page.items], next=page.next)
