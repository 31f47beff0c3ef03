"""Plain values of the excuse tables going into and out of the SQL layer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any
from uuid import UUID

from attn.models.api_excuses import ExcuseStatus, FileStorage


@dataclass(frozen=True, slots=True, kw_only=True)
class ExcuseFileInfo:
    """What is known of an attached file without reading it."""

    name: str
    media_type: str
    size: int
    storage: FileStorage


@dataclass(frozen=True, slots=True, kw_only=True)
class ExcuseRow:
    """One stored request (a row of ``excuses``), never with the file's bytes."""

    excuse_id: UUID
    attendance_id: UUID
    student_number: str
    status: ExcuseStatus
    note: str
    requested_at: datetime
    record_status: str | None = None
    file_name: str | None = None
    file_type: str | None = None
    file_size: int | None = None
    file_storage: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_reason: str | None = None

    @property
    def file(self) -> ExcuseFileInfo | None:
        if self.file_name is None or self.file_type is None or self.file_size is None:
            return None
        return ExcuseFileInfo(
            name=self.file_name,
            media_type=self.file_type,
            size=self.file_size,
            storage=FileStorage(self.file_storage or FileStorage.DATABASE),
        )

    @classmethod
    def from_mapping(cls, row: Mapping[Any, Any]) -> ExcuseRow:
        values = {f.name: row[f.name] for f in fields(cls)}
        values["status"] = ExcuseStatus(values["status"])
        return cls(**values)

    def values(self) -> dict[str, Any]:
        """The row's columns, for an insert."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True, kw_only=True)
class ExcuseListed:
    """A request with what a list shows beside it: the student's name and the lesson."""

    excuse: ExcuseRow
    student_name: str
    lesson_name: str
    starts_at: datetime
    teacher_number: str
    course_id: UUID | None
