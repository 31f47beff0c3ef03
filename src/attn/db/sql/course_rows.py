"""Plain values of the course tables going into and out of the SQL layer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from attn.models.api_courses import LATE_WEIGHT_DEFAULT, THRESHOLD_DEFAULT


@dataclass(frozen=True, slots=True, kw_only=True)
class CourseValues:
    """What an admin sets of a course (already validated by the API/CLI schema)."""

    code: str
    name: str
    term: str
    late_weight_percent: int = LATE_WEIGHT_DEFAULT
    threshold_percent: int = THRESHOLD_DEFAULT


@dataclass(frozen=True, slots=True, kw_only=True)
class CourseRow:
    """A stored course with its teachers' numbers (sorted) and how many are enrolled now."""

    course_id: UUID
    code: str
    name: str
    term: str
    late_weight_percent: int
    threshold_percent: int
    created_at: datetime
    updated_at: datetime
    teacher_numbers: tuple[str, ...] = field(default=())
    enrolled: int = 0

    @classmethod
    def from_mapping(
        cls, row: Mapping[Any, Any], teachers: tuple[str, ...] = (), enrolled: int = 0
    ) -> CourseRow:
        return cls(
            course_id=row["course_id"],
            code=row["code"],
            name=row["name"],
            term=row["term"],
            late_weight_percent=row["late_weight_percent"],
            threshold_percent=row["threshold_percent"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            teacher_numbers=teachers,
            enrolled=enrolled,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class RosterEntry:
    """A student on a roster: number, the account's name and since when."""

    student_number: str
    full_name: str
    enrolled_at: datetime
