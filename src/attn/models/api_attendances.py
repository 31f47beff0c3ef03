"""Request and response schemas of the attendance endpoints (``/attendances``, ``/me``).

Requests refuse unknown fields and coerce nothing surprising (``"60"`` or ``true`` is not a
number of minutes), so a typo is a 422 naming the field rather than a silently ignored value.

``RecordOut`` has exactly the fields of the stored ``AttendanceRecordRedis``, serialised the
same way: the teacher's live view passes the stored JSON through (see
``live_records_json`` in ``services/attendance/views.py``) and the archive serialises
``RecordOut`` to the same form, so both look alike to a client.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, Self
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from attn.models.redis import CheckSettings
from attn.models.types import (
    FullName,
    LessonName,
    Reason,
    RecordStatus,
    UtcDateTime,
    format_utc,
)

AttendanceState = Literal["scheduled", "open", "ended", "finished", "deleted"]
"""``scheduled``: before ``starts_at``; ``open``: taking check-ins; ``ended``: past
``ends_at`` without being finished; ``finished``: closed by its teacher; ``deleted``: soft
deleted (kept, with the reason, out of normal lists)."""

Source = Literal["live", "archive"]
"""``live``: served from Redis (not persisted yet); ``archive``: served from SQL."""

ManualStatus = Literal["present", "late", "excused", "absent", "rejected"]
"""What a teacher may set by hand; ``pending`` belongs to outside verification only."""

# Serialised like every other instant of the API (no Python validator: nothing to check
# on the way out).
ApiDateTime = Annotated[datetime, PlainSerializer(format_utc, return_type=str, when_used="json")]
Minutes = Annotated[int, Field(strict=True)]


def _ordered(starts_at: datetime | None, ends_at: datetime | None) -> None:
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise ValueError("ends_at must be after starts_at")


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StartAttendanceIn(RequestModel):
    """Start an attendance: give ``ends_at`` or ``duration_minutes``, not both; for one of
    the teacher's courses (``course_id``) the lesson name defaults to the course's name."""

    lesson_name: LessonName | None = Field(
        default=None, description="Required unless course_id is given.", examples=["Fizik"]
    )
    course_id: UUID | None = Field(
        default=None, description="One of the teacher's courses (GET /api/v1/courses)."
    )
    starts_at: UtcDateTime | None = Field(default=None, description="Default: now.")
    ends_at: UtcDateTime | None = None
    duration_minutes: Minutes | None = Field(
        default=None, ge=1, le=100_000, description="At most the server's maximum."
    )
    late_after_minutes: Minutes | None = Field(
        default=None,
        ge=0,
        le=24 * 60,
        description="A self check-in more than this many minutes after the start is late.",
    )
    checks: CheckSettings | None = Field(
        default=None,
        description="Anti-proxy checks; omitted: the server's ATTN_DEFAULT_CHECKS (the "
        "rotating code unless set); `{}`: none.",
    )

    @model_validator(mode="before")
    @classmethod
    def _a_name_without_a_course(cls, data: Any) -> Any:
        """Without a course the lesson name is required: an empty one is refused by the
        field's own check, so the error names ``lesson_name`` as before."""
        if (
            isinstance(data, dict)
            and data.get("course_id") is None
            and data.get("lesson_name") is None
        ):
            return {**data, "lesson_name": ""}
        return data

    @model_validator(mode="after")
    def _one_end(self) -> Self:
        if (self.ends_at is None) == (self.duration_minutes is None):
            raise ValueError("give exactly one of ends_at and duration_minutes")
        _ordered(self.starts_at, self.ends_at)
        return self


class EditAttendanceIn(RequestModel):
    """Correct a persisted attendance; the reason goes to the audit log."""

    reason: Reason
    lesson_name: LessonName | None = None
    starts_at: UtcDateTime | None = None
    ends_at: UtcDateTime | None = None
    late_after_minutes: Minutes | None = Field(default=None, ge=0, le=24 * 60)

    @model_validator(mode="after")
    def _changes_something(self) -> Self:
        changed = self.model_fields_set - {"reason"}
        if not changed:
            raise ValueError("give at least one field to change")
        for required in ("lesson_name", "starts_at", "ends_at"):
            if required in changed and getattr(self, required) is None:
                raise ValueError(f"{required} cannot be removed")
        _ordered(self.starts_at, self.ends_at)
        return self


class ReasonIn(RequestModel):
    reason: Reason


class AcceptIn(RequestModel):
    reason: Reason | None = None


class SaveRecordIn(RequestModel):
    """Add a student by hand (``full_name`` required then) or change a record's status."""

    status: ManualStatus
    full_name: FullName | None = None
    reason: Reason | None = Field(
        default=None, description="Optional while live; required once the attendance is stored."
    )


class RecordOut(BaseModel):
    """One student in one attendance (the fields of the stored record)."""

    model_config = ConfigDict(extra="forbid")

    attendance_id: UUID
    student_number: str
    user_full_name: str
    status: RecordStatus
    checked_in_at: ApiDateTime
    fail_reason: str | None = None
    decided_by: str = Field(description="'self' or the number of the teacher who decided.")
    client_ip: str | None = None
    device_id: str | None = None
    attempt_count: int = 1
    updated_at: ApiDateTime
    decision_reason: str | None = Field(
        default=None,
        description="The reason given with the teacher's last decision (students see only "
        "a rejection's).",
    )


class AttendanceOut(BaseModel):
    """An attendance without its records; the same shape live and archived."""

    attendance_id: UUID
    lesson_name: str
    course_id: UUID | None = Field(
        default=None, description="The course it is a lesson of; null: an ad-hoc attendance."
    )
    teacher_number: str
    teacher_full_name: str
    starts_at: UtcDateTime
    ends_at: UtcDateTime
    late_after_minutes: int | None
    checks: CheckSettings
    state: AttendanceState
    source: Source
    created_at: UtcDateTime
    finished_at: UtcDateTime | None
    deleted_at: UtcDateTime | None
    deletion_reason: str | None
    persisted_at: UtcDateTime | None


class AttendanceDetailOut(AttendanceOut):
    """An attendance with every record, by student number."""

    records: list[RecordOut]


class ExpectedStudent(BaseModel):
    """A student on a course attendance's roster."""

    student_number: str
    full_name: str


class RecordsSummary(BaseModel):
    attendance_id: UUID
    source: Source
    state: AttendanceState
    count: int
    last_event_id: str | None = Field(
        default=None,
        description="Live: the live channel's last event before this list (``0-0``: none "
        "yet); listen from it (``GET .../events?after=``) to miss no change. Stored: null.",
    )
    not_checked_in: list[ExpectedStudent] | None = Field(
        default=None,
        description="A live course attendance: the students on its roster without a record "
        "yet, by number (the ``roster`` events of the live channel change it). Null for an "
        "ad-hoc attendance, and once stored (its absent records say who did not come).",
    )


class RecordsOut(RecordsSummary):
    """The teacher's list of one attendance, by student number."""

    records: list[RecordOut]


class SavedRecord(BaseModel):
    record: RecordOut
    created: bool


class AttendanceSearchOut(BaseModel):
    """What a student needs to pick an open attendance: no records, no settings."""

    attendance_id: UUID
    lesson_name: str
    teacher_full_name: str
    starts_at: UtcDateTime
    ends_at: UtcDateTime


class AttendancePage(BaseModel):
    """History: live attendances first (they are current), then the archive, newest first."""

    items: list[AttendanceOut]
    total: int
    limit: int
    offset: int


class MyAttendanceItem(BaseModel):
    attendance: AttendanceOut
    record: RecordOut


class MyAttendancePage(BaseModel):
    """A student's own records: live ones first, then the archive, newest first."""

    items: list[MyAttendanceItem]
    total: int
    limit: int
    offset: int


DATE_BOUND_MESSAGE = (
    "must be a date (2026-01-31) or a date and time with its time zone (2026-01-31T09:00:00+03:00)"
)


def _date_bound(value: object, handler: ValidatorFunctionWrapHandler) -> datetime | date:
    """One error naming what is expected, instead of one per member of the union (whose
    locations read ``from.function-after[_aware_utc(), datetime], from.date``); a
    date-time refused by our own check (no time zone, out of range) keeps that message."""
    try:
        result: datetime | date = handler(value)
    except ValidationError as exc:
        message = next(
            (
                str(error["ctx"]["error"])
                for error in exc.errors()
                if error["type"] == "value_error" and "ctx" in error
            ),
            DATE_BOUND_MESSAGE,
        )
        raise PydanticCustomError("date_or_datetime", message) from None
    return result


DateBound = Annotated[UtcDateTime | date, WrapValidator(_date_bound)]
"""A history filter bound: a whole day, or an instant with its time zone."""


class HistoryQuery(BaseModel):
    """Filters of ``GET /attendances``. A date bound is a whole UTC day: ``from`` is its
    first instant, ``to`` includes it; an instant must carry its time zone."""

    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)
    lesson_name: str | None = Field(default=None, min_length=1, max_length=200)
    teacher_number: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9._-]{1,32}$", description="Admins only."
    )
    date_from: DateBound | None = Field(default=None, alias="from")
    date_to: DateBound | None = Field(default=None, alias="to")


class PageQuery(BaseModel):
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)
