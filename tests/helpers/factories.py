"""Factories for the models the tests store: valid by default, any field overridable.

``make_lesson()`` is open right now (started five minutes ago, ends in an hour).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from attn.models import (
    AttendanceRecordRedis,
    AuditEntryRedis,
    LessonRedis,
    RecordStatus,
    Role,
    UserRedis,
)
from attn.models.types import SELF, utcnow


def make_lesson(
    *,
    attendance_id: UUID | None = None,
    lesson_name: str = "Veri Yapıları",
    teacher_number: str = "T1001",
    teacher_full_name: str = "Ayşe Yılmaz",
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    **overrides: Any,
) -> LessonRedis:
    now = utcnow()
    starts_at = starts_at or now - timedelta(minutes=5)
    return LessonRedis.model_validate(
        {
            "attendance_id": attendance_id or uuid4(),
            "lesson_name": lesson_name,
            "teacher_number": teacher_number,
            "teacher_full_name": teacher_full_name,
            "starts_at": starts_at,
            "ends_at": ends_at or starts_at + timedelta(hours=1),
            **overrides,
        }
    )


def make_record(
    attendance_id: UUID,
    *,
    student_number: str = "S2001",
    user_full_name: str = "Ali Veli",
    status: RecordStatus = RecordStatus.PRESENT,
    decided_by: str = SELF,
    checked_in_at: datetime | None = None,
    **overrides: Any,
) -> AttendanceRecordRedis:
    at = checked_in_at or utcnow()
    return AttendanceRecordRedis.model_validate(
        {
            "attendance_id": attendance_id,
            "student_number": student_number,
            "user_full_name": user_full_name,
            "status": status,
            "decided_by": decided_by,
            "checked_in_at": at,
            "updated_at": at,
            **overrides,
        }
    )


def make_user(
    *,
    user_number: str = "S2001",
    full_name: str = "Ali Veli",
    role: Role = Role.STUDENT,
    ttl: int = 600,
    **overrides: Any,
) -> UserRedis:
    now = utcnow()
    return UserRedis.model_validate(
        {
            "user_number": user_number,
            "full_name": full_name,
            "role": role,
            "token_hash": hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
            "issued_at": now,
            "expires_at": now + timedelta(seconds=ttl),
            **overrides,
        }
    )


def make_audit_entry(
    attendance_id: UUID,
    *,
    action: str = "record_saved",
    actor: str = "T1001",
    student_number: str | None = "S2001",
    **overrides: Any,
) -> AuditEntryRedis:
    return AuditEntryRedis.model_validate(
        {
            "entry_id": uuid4(),
            "at": utcnow(),
            "actor": actor,
            "action": action,
            "attendance_id": attendance_id,
            "student_number": student_number,
            "details": {"role": "teacher", "reason": "elle eklendi"},
            **overrides,
        }
    )
