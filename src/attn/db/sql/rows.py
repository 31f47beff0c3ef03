"""Plain values going into and coming out of the SQL layer (no ORM objects leak out).

Inputs are built from the already-validated Redis models, so these are frozen dataclasses
rather than a second round of Pydantic validation on every one of thousands of rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, NamedTuple, TypeVar
from uuid import UUID

from attn.models.redis import AttendanceRecordRedis, LessonRedis
from attn.models.types import SELF, RecordStatus, Role, normalize_name

T = TypeVar("T")

LESSON_KEY_LENGTH = 200
"""``attendances.lesson_key`` is a ``String(200)``: folding can lengthen a name (``æ`` is
``ae``), so the key is cut to fit; history still finds every word in its first 200."""


RecordValues = tuple[
    UUID, str, str, datetime, datetime, str | None, str, str | None, str | None, int, str | None
]
"""One ``attendance_records`` row as the persistence job writes it, in
:data:`~attn.db.sql.tables.RECORD_COLUMNS` order: a plain tuple, the form COPY and the
array parameters take without a conversion per record."""

Person = tuple[str, str, Role, datetime]
"""A user as an attendance knows them (number, full name, role if new, when seen): the
tuple form of :class:`UserFromAttendance` the persistence job writes in bulk."""


class Page(NamedTuple, Generic[T]):
    """One page of a list and the total number of matching rows (for pagination)."""

    items: list[T]
    total: int


@dataclass(frozen=True, slots=True)
class UserFromAttendance:
    """A user as an attendance knows them, created only if missing: ``role`` and
    ``full_name`` never change an existing user; ``seen_at`` becomes a new user's
    ``created_at``. :meth:`teacher_of` / :meth:`student_of` take them from the Redis data."""

    user_number: str
    full_name: str
    role: Role
    seen_at: datetime

    @classmethod
    def teacher_of(cls, lesson: LessonRedis) -> UserFromAttendance:
        return cls(
            user_number=lesson.teacher_number,
            full_name=lesson.teacher_full_name,
            role=Role.TEACHER,
            seen_at=lesson.created_at,
        )

    @classmethod
    def student_of(cls, record: AttendanceRecordRedis) -> UserFromAttendance:
        return cls(
            user_number=record.student_number,
            full_name=record.user_full_name,
            role=Role.STUDENT,
            seen_at=record.updated_at,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class NewUserRow:
    """An account an admin creates (already validated by the API/CLI schema)."""

    user_number: str
    full_name: str
    role: Role
    password_hash: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UserRow:
    user_number: str
    full_name: str
    role: Role
    password_hash: str | None
    created_at: datetime
    updated_at: datetime
    deactivated_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.deactivated_at is None

    @classmethod
    def from_mapping(cls, row: Mapping[Any, Any]) -> UserRow:
        return cls(
            user_number=row["user_number"],
            full_name=row["full_name"],
            role=Role(row["role"]),
            password_hash=row["password_hash"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            deactivated_at=row["deactivated_at"],
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class AttendanceRow:
    attendance_id: UUID
    lesson_name: str
    teacher_number: str
    starts_at: datetime
    ends_at: datetime
    created_at: datetime
    finished_at: datetime | None = None
    late_after_minutes: int | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    persisted_at: datetime | None = None
    deleted_at: datetime | None = None
    deletion_reason: str | None = None
    course_id: UUID | None = None
    """The course it is a lesson of; None: an ad-hoc attendance."""

    @property
    def lesson_key(self) -> str:
        """The ``attendances.lesson_key`` history matches words in (see its docstring)."""
        return normalize_name(self.lesson_name)[:LESSON_KEY_LENGTH]

    @classmethod
    def from_redis(
        cls, lesson: LessonRedis, *, persisted_at: datetime | None = None
    ) -> AttendanceRow:
        return cls(
            attendance_id=lesson.attendance_id,
            lesson_name=lesson.lesson_name,
            teacher_number=lesson.teacher_number,
            starts_at=lesson.starts_at,
            ends_at=lesson.ends_at,
            finished_at=lesson.finished_at,
            late_after_minutes=lesson.late_after_minutes,
            settings=lesson.checks.model_dump(mode="json"),
            created_at=lesson.created_at,
            persisted_at=persisted_at,
            deleted_at=lesson.deleted_at,
            deletion_reason=lesson.deletion_reason,
            course_id=lesson.course_id,
        )

    @property
    def closed_at(self) -> datetime:
        """When it closed: finished by the teacher, else its end (the instant whose roster
        counts for a course's absent-at-close)."""
        return self.finished_at or self.ends_at

    @classmethod
    def from_mapping(cls, row: Mapping[Any, Any]) -> AttendanceRow:
        return cls(**{name: row[name] for name in _ATTENDANCE_FIELDS})

    def to_params(self) -> dict[str, Any]:
        params = {name: getattr(self, name) for name in _ATTENDANCE_FIELDS}
        params["lesson_key"] = self.lesson_key
        return params


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordRow:
    attendance_id: UUID
    student_number: str
    status: RecordStatus
    checked_in_at: datetime
    updated_at: datetime
    fail_reason: str | None = None
    decided_by: str = SELF
    client_ip: str | None = None
    device_id: str | None = None
    attempt_count: int = 1
    deleted_at: datetime | None = None
    deletion_reason: str | None = None
    decision_reason: str | None = None

    @classmethod
    def from_redis(cls, record: AttendanceRecordRedis) -> RecordRow:
        return cls(
            attendance_id=record.attendance_id,
            student_number=record.student_number,
            status=record.status,
            checked_in_at=record.checked_in_at,
            updated_at=record.updated_at,
            fail_reason=record.fail_reason,
            decided_by=record.decided_by,
            client_ip=record.client_ip,
            device_id=record.device_id,
            attempt_count=record.attempt_count,
            decision_reason=record.decision_reason,
        )

    @classmethod
    def from_mapping(cls, row: Mapping[Any, Any]) -> RecordRow:
        values = {name: row[name] for name in _RECORD_FIELDS}
        values["status"] = RecordStatus(values["status"])
        return cls(**values)

    def to_params(self) -> dict[str, Any]:
        params = {name: getattr(self, name) for name in _RECORD_FIELDS}
        params["status"] = self.status.value
        return params


@dataclass(frozen=True, slots=True, kw_only=True)
class StudentRecordRow:
    """A student's record together with the attendance it belongs to (student history)."""

    record: RecordRow
    attendance: AttendanceRow


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    action: str
    attendance_id: UUID | None
    student_number: str | None
    details: dict[str, Any]
    entry_id: UUID | None = None

    @classmethod
    def from_mapping(cls, row: Mapping[Any, Any]) -> AuditRow:
        return cls(**{name: row[name] for name in _AUDIT_FIELDS})


_ATTENDANCE_FIELDS = tuple(AttendanceRow.__dataclass_fields__)
_RECORD_FIELDS = tuple(RecordRow.__dataclass_fields__)
_AUDIT_FIELDS = tuple(AuditRow.__dataclass_fields__)


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditFilter:
    """Which audit entries an admin reads: each given field narrows (all None: every one).
    ``since`` is inclusive, ``until`` exclusive."""

    actor: str | None = None
    attendance_id: UUID | None = None
    student_number: str | None = None
    since: datetime | None = None
    until: datetime | None = None


AuditPosition = tuple[datetime, int]
"""Where a page of the audit log ends: the last entry's ``(at, id)``; the next page holds
the entries older than it (keyset pagination, newest first)."""
