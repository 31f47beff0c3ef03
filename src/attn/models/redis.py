"""The models stored in Redis as JSON (docs/design.md#stored-models).

Each one carries everything the database needs later: a record holds the student's number
*and* full name, so persistence can create a missing user instead of failing on a foreign key.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    field_validator,
    model_validator,
)

from attn.models.types import (
    SELF,
    DecidedBy,
    FullName,
    LessonName,
    Reason,
    RecordStatus,
    Role,
    UserNumber,
    UtcDateTime,
    utcnow,
)

_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"  # ASCII digits, no leading zero
CANONICAL_IPV4 = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
"""An IPv4 address as ``ipaddress`` writes it (the form records store)."""
_CANONICAL_IPV4 = re.compile(CANONICAL_IPV4)

TokenHash = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
FailReason = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")]
DeviceId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{8,128}$")]
MAX_USED_HASHES = 8
"""Rotated-out secrets of a remembered device kept to recognise a replay."""


class RedisModel(BaseModel):
    """Strict about unknown fields: a typo in stored JSON is a bug, not data to drop."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, raw: str | bytes) -> Self:
        return cls.model_validate_json(raw)


class UserRedis(RedisModel):
    """A login session; the bearer secret itself is never stored, only its SHA-256."""

    user_number: UserNumber
    full_name: FullName
    role: Role
    token_hash: TokenHash
    issued_at: UtcDateTime
    expires_at: UtcDateTime

    @model_validator(mode="after")
    def _expires_after_issue(self) -> Self:
        if self.expires_at <= self.issued_at:
            raise ValueError("expires_at must be after issued_at")
        return self


class RememberedDeviceRedis(RedisModel):
    """A student's "remember this phone" credential: only hashes of its secrets are kept.

    Each use rotates the secret; the hashes of the last ones used stay in ``used_hashes``,
    so a copy of an old cookie presented after the rotation is recognised as a replay.
    """

    user_number: UserNumber
    full_name: FullName
    """The directory's name, kept up to date by an admin's rename, so a resume opens the
    session without reading the database. No role: only students are remembered, and a
    new role deletes the credential."""
    family_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
    device_id: DeviceId
    secret_hash: TokenHash
    used_hashes: list[TokenHash] = Field(default_factory=list, max_length=MAX_USED_HASHES)
    issued_at: UtcDateTime
    expires_at: UtcDateTime


class CheckSettings(RedisModel):
    """Anti-proxy checks a teacher picks per attendance; no secrets in here
    (docs/design.md#check-in-checks)."""

    code: StrictBool = False
    network: StrictBool = False
    allowed_networks: list[str] = Field(default_factory=list, max_length=32)
    device: StrictBool = False
    face: StrictBool = False

    @field_validator("allowed_networks")
    @classmethod
    def _valid_cidrs(cls, value: list[str]) -> list[str]:
        return [str(ipaddress.ip_network(entry.strip(), strict=False)) for entry in value]


class LessonRedis(RedisModel):
    """A live attendance: one teacher, one lesson, one time window."""

    attendance_id: UUID
    lesson_name: LessonName
    teacher_number: UserNumber
    teacher_full_name: FullName
    starts_at: UtcDateTime
    ends_at: UtcDateTime
    finished_at: UtcDateTime | None = None
    late_after_minutes: int | None = Field(default=None, ge=0, le=24 * 60)
    checks: CheckSettings = Field(default_factory=CheckSettings)
    created_at: UtcDateTime = Field(default_factory=utcnow)
    deleted_at: UtcDateTime | None = None
    deletion_reason: str | None = Field(default=None, max_length=500)
    course_id: UUID | None = None
    """The course this is a lesson of (its roster at the finish time counts, see
    docs/design.md#courses-and-rosters); None: an ad-hoc attendance."""

    @model_validator(mode="after")
    def _window_is_ordered(self) -> Self:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class AttendanceRecordRedis(RedisModel):
    """One student in one attendance (at most one per ``(attendance_id, student_number)``)."""

    attendance_id: UUID
    student_number: UserNumber
    user_full_name: FullName
    status: RecordStatus
    checked_in_at: UtcDateTime
    fail_reason: FailReason | None = None
    decided_by: DecidedBy = SELF
    client_ip: str | None = None
    device_id: DeviceId | None = None
    attempt_count: int = Field(default=1, ge=0)
    updated_at: UtcDateTime = Field(default_factory=utcnow)
    decision_reason: Reason | None = None
    """The reason a teacher gave with the last decision (shown to them, and to the student
    when it rejected the record); None for a student's own check-in."""

    @field_validator("client_ip")
    @classmethod
    def _valid_ip(cls, value: str | None) -> str | None:
        if value is None:
            return None
        # What ipaddress would return unchanged, found without its cost
        # (docs/performance.md#the-canonical-ipv4-shortcut).
        if _CANONICAL_IPV4.fullmatch(value):
            return value
        return str(ipaddress.ip_address(value))

    @property
    def decided_by_teacher(self) -> bool:
        return self.decided_by != SELF


class AuditEntryRedis(RedisModel):
    """A manual change's audit entry, kept beside the live attendance it changed.

    It is written in the same atomic step as the change (``keys.audit``) and moved into
    ``audit_log`` by the persistence job in the transaction that stores the attendance, so
    no entry depends on the database being up when the change is made. ``entry_id`` makes
    that move idempotent: a job that crashes after its commit writes the entry once.
    """

    entry_id: UUID
    at: UtcDateTime
    actor: UserNumber
    action: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,64}$")]
    attendance_id: UUID
    student_number: UserNumber | None = None
    details: dict[str, Any] = Field(default_factory=dict)
