"""API schemas of the audit log as admins read it (``GET /api/v1/audit``)."""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID

from pydantic import BaseModel, Field

from attn.models.types import UtcDateTime


class StoredAuditEntry(Protocol):
    """What :meth:`AuditEntryOut.from_row` reads (``db.sql.rows.AuditRow`` has it)."""

    @property
    def id(self) -> int: ...
    @property
    def at(self) -> Any: ...
    @property
    def actor(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def attendance_id(self) -> UUID | None: ...
    @property
    def student_number(self) -> str | None: ...
    @property
    def details(self) -> dict[str, Any]: ...


class AuditEntryOut(BaseModel):
    """One manual change: who, what, when, to which attendance or student, and details
    (a reason, an account's number, what it was before and after)."""

    id: int
    at: UtcDateTime
    actor: str = Field(description="The user number of who made the change.")
    action: str = Field(examples=["record_rejected", "user_deactivated"])
    attendance_id: UUID | None
    student_number: str | None
    details: dict[str, Any]

    @classmethod
    def from_row(cls, row: StoredAuditEntry) -> AuditEntryOut:
        return cls(
            id=row.id,
            at=row.at,
            actor=row.actor,
            action=row.action,
            attendance_id=row.attendance_id,
            student_number=row.student_number,
            details=row.details,
        )


class AuditPage(BaseModel):
    items: list[AuditEntryOut] = Field(description="Newest first.")
    next: str | None = Field(
        description="Pass as `older_than` for the next (older) page; null on the last page."
    )
