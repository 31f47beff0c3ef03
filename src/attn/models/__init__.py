"""Pydantic models: what lives in Redis (``redis``) and the shared field types (``types``)."""

from attn.models.redis import (
    AttendanceRecordRedis,
    AuditEntryRedis,
    CheckSettings,
    LessonRedis,
    RememberedDeviceRedis,
    UserRedis,
)
from attn.models.types import DecidedBy, RecordStatus, Role

__all__ = [
    "AttendanceRecordRedis",
    "AuditEntryRedis",
    "CheckSettings",
    "DecidedBy",
    "LessonRedis",
    "RecordStatus",
    "RememberedDeviceRedis",
    "Role",
    "UserRedis",
]
