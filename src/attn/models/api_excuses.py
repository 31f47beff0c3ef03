"""API schemas of excuse requests (docs/design.md#excuses).

``ExcuseNote`` is what the API's form and the student's page both validate the note with,
so a bad note gets the same message everywhere.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from attn.models.api_attendances import ApiDateTime, RequestModel
from attn.models.types import Reason, clean_text


class ExcuseStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    DECLINED = "declined"


class FileStorage(StrEnum):
    """Where an excuse's file is: the ``excuse_files`` table or the configured folder."""

    DATABASE = "database"
    FOLDER = "folder"


MAX_NOTE = 1000
MAX_FILE_BYTES = 5 * 1024 * 1024
"""The largest file a request may carry (5 MiB)."""


def _clean_note(value: str) -> str:
    return clean_text(value, max_length=MAX_NOTE)


ExcuseNote = Annotated[
    str, AfterValidator(_clean_note), Field(examples=["Hastaydım; doktor raporu ekte."])
]
"""Why the student missed the lesson (1-1000 characters, required)."""


class ExcuseNoteIn(RequestModel):
    note: ExcuseNote


class ApproveIn(RequestModel):
    """Approve: the record becomes ``excused``; the reason (optional) goes to the audit log
    and the record's correction, else the student's note is quoted."""

    reason: Reason | None = None


class DeclineIn(RequestModel):
    """Decline: the reason is required and shown to the student."""

    reason: Reason


class ExcuseFileOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    media_type: str
    size: int


class ExcuseOut(BaseModel):
    """One request with its outcome; the file only described (downloaded at ``…/file``)."""

    model_config = ConfigDict(extra="forbid")

    excuse_id: UUID
    attendance_id: UUID
    lesson_name: str
    starts_at: ApiDateTime
    course_id: UUID | None
    student_number: str
    student_full_name: str
    status: ExcuseStatus
    note: str
    record_status: str | None = Field(
        description="The student's record when they asked (null: they had none)."
    )
    requested_at: ApiDateTime
    file: ExcuseFileOut | None
    decided_by: str | None
    decided_at: ApiDateTime | None
    decision_reason: str | None


class ExcuseList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[ExcuseOut]
