"""The audit log: every manual change reaches ``audit_log`` exactly once, whatever fails.

A change to a *stored* attendance writes its row in the request's transaction (both or
neither). A change to a *live* attendance must not need the database (a lecture goes on
while it is down), so its entry (:func:`live_audit`) is written into Redis in the same
atomic step as the change, beside the attendance, and the persistence job moves it into
``audit_log`` in the transaction that stores the attendance (an outbox, see
``docs/architecture.md``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.sql import repository
from attn.models import (
    AuditEntryRedis,
    UserRedis,
)


def live_audit(
    actor: UserRedis,
    action: str,
    attendance_id: UUID,
    details: dict[str, Any],
    *,
    at: datetime,
    student_number: str | None = None,
) -> AuditEntryRedis:
    """The audit entry of a change to a live attendance, for the Redis write that makes it."""
    return AuditEntryRedis(
        entry_id=uuid.uuid4(),
        at=at,
        actor=actor.user_number,
        action=action,
        attendance_id=attendance_id,
        student_number=student_number,
        details={"role": actor.role.value, **details},
    )


async def stored_audit(session: AsyncSession, entry: AuditEntryRedis) -> None:
    """Write the audit row of a change to a stored attendance, in the change's transaction
    (the same entry a live change carries into Redis, see :func:`live_audit`)."""
    await repository.add_audit(session, **entry.model_dump())


async def account_audit(
    session: AsyncSession,
    actor: UserRedis | str,
    action: str,
    user_number: str,
    details: dict[str, Any] | None = None,
    *,
    at: datetime,
) -> None:
    """Write the audit row of an admin's change to an account, in the change's transaction
    (never a password: ``details`` says what changed, not to what secret)."""
    actor_number = actor if isinstance(actor, str) else actor.user_number
    await repository.add_audit(
        session,
        actor=actor_number,
        action=action,
        details={"user_number": user_number, **(details or {})},
        at=at,
    )
