"""A teacher of the attendance or its course (or an admin) approves or declines a request.

Approval closes the request and sets the student's record to ``excused`` through the
record correction the past attendance's page uses
(:func:`~attn.services.attendance.records.correct_stored_record`): the same record
fields, ``record_saved`` audit entry and reason. A decline needs a reason, which the
student sees. Both write their own audit entry (``excuse_approved``, ``excuse_declined``)
in the same transaction; a request decided meanwhile is 409 ``excuse_decided``.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.sql import excuses_repo
from attn.db.sql.excuse_rows import ExcuseListed
from attn.errors import AttendanceDeleted
from attn.excuse_errors import ExcuseDecided
from attn.models import RecordStatus, UserRedis
from attn.models.api_attendances import SaveRecordIn
from attn.models.api_excuses import ExcuseStatus
from attn.services.attendance.locate import archived
from attn.services.attendance.records import correct_stored_record
from attn.services.audit import live_audit, stored_audit
from attn.services.excuses import access

APPROVED_REASON = "excuse approved"
"""The record correction's reason when the approval gives none (the audit log keeps the
request's id beside it)."""


async def approve(
    session: AsyncSession, user: UserRedis, excuse_id: UUID, reason: str | None, now: datetime
) -> ExcuseListed:
    listed = await _open(session, user, excuse_id)
    excuse = listed.excuse
    row = await archived(session, excuse.attendance_id)
    if row.deleted_at is not None:
        raise AttendanceDeleted(f"attendance {row.attendance_id} was deleted")
    await _close(session, user, excuse_id, ExcuseStatus.APPROVED, reason, now)
    body = SaveRecordIn(status=RecordStatus.EXCUSED, reason=reason or APPROVED_REASON)
    await correct_stored_record(session, user, row, excuse.student_number, body, now)
    await _audit(session, user, listed, "excuse_approved", reason, now)
    return await access.found(session, excuse_id)


async def decline(
    session: AsyncSession, user: UserRedis, excuse_id: UUID, reason: str, now: datetime
) -> ExcuseListed:
    listed = await _open(session, user, excuse_id)
    await _close(session, user, excuse_id, ExcuseStatus.DECLINED, reason, now)
    await _audit(session, user, listed, "excuse_declined", reason, now)
    return await access.found(session, excuse_id)


async def _open(session: AsyncSession, user: UserRedis, excuse_id: UUID) -> ExcuseListed:
    listed = await access.may_decide(session, user, excuse_id)
    if listed.excuse.status is not ExcuseStatus.REQUESTED:
        raise _decided(listed.excuse.status)
    return listed


async def _close(
    session: AsyncSession,
    user: UserRedis,
    excuse_id: UUID,
    status: ExcuseStatus,
    reason: str | None,
    now: datetime,
) -> None:
    closed = await excuses_repo.decide_excuse(
        session, excuse_id, status=status, decided_by=user.user_number, reason=reason, at=now
    )
    if not closed:  # decided by someone else between the read and this update
        raise _decided(None)


def _decided(status: ExcuseStatus | None) -> ExcuseDecided:
    what = f" ({status.value})" if status else ""
    return ExcuseDecided(f"this request was already decided{what}")


async def _audit(
    session: AsyncSession,
    user: UserRedis,
    listed: ExcuseListed,
    action: str,
    reason: str | None,
    now: datetime,
) -> None:
    details: dict[str, object] = {"excuse_id": str(listed.excuse.excuse_id)}
    if reason is not None:
        details["reason"] = reason
    entry = live_audit(
        user,
        action,
        listed.excuse.attendance_id,
        details,
        at=now,
        student_number=listed.excuse.student_number,
    )
    await stored_audit(session, entry)
