"""API schemas for courses, their teachers and rosters (docs/design.md#courses-and-rosters).

``RosterStudent`` is also what the roster CSV import validates each row with, so a bad
value gets the same message (naming the field) through the API, the pages and the CLI.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Protocol, Self
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from attn.models.types import FullName, UserNumber, UtcDateTime, clean_text

COURSE_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"
MAX_TEACHERS = 20
LATE_WEIGHT_DEFAULT = 100
"""A late arrival counts this many percent of a present one in the attendance rate."""
THRESHOLD_DEFAULT = 70
"""Students whose attendance rate is under this percentage are listed in the reports."""


def _clean_term(value: str) -> str:
    return clean_text(value, max_length=32)


def _clean_course_name(value: str) -> str:
    return clean_text(value, max_length=200)


def _upper(value: str) -> str:
    return value.upper()


CourseCode = Annotated[
    str,
    Field(pattern=COURSE_CODE_PATTERN, examples=["BIL203"]),
    AfterValidator(_upper),
]
"""Letters, digits, ``.``, ``_``, ``-`` (1-32), kept in capitals so ``bil203`` is ``BIL203``."""
Term = Annotated[str, AfterValidator(_clean_term), Field(examples=["2026-güz"])]
CourseName = Annotated[str, AfterValidator(_clean_course_name), Field(examples=["Veri Yapıları"])]
Percent = Annotated[int, Field(ge=0, le=100)]


class CourseCreate(BaseModel):
    """A new course; the teachers (numbers of teacher accounts) may be given at once."""

    model_config = ConfigDict(extra="forbid")

    code: CourseCode
    name: CourseName
    term: Term
    late_weight_percent: Percent = Field(
        default=LATE_WEIGHT_DEFAULT,
        description="What a late arrival counts of a present one in the attendance rate.",
    )
    threshold_percent: Percent = Field(
        default=THRESHOLD_DEFAULT,
        description="Students whose attendance rate is under this are listed in reports.",
    )
    teacher_numbers: list[UserNumber] = Field(default_factory=list, max_length=MAX_TEACHERS)


class CourseUpdate(BaseModel):
    """An admin's correction of a course: any of its values."""

    model_config = ConfigDict(extra="forbid")

    code: CourseCode | None = None
    name: CourseName | None = None
    term: Term | None = None
    late_weight_percent: Percent | None = None
    threshold_percent: Percent | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> Self:
        if all(getattr(self, name) is None for name in type(self).model_fields):
            raise ValueError("give at least one of code, name, term and the settings")
        return self


class TeachersSet(BaseModel):
    """The course's teachers as a whole (those not named stop being its teachers)."""

    model_config = ConfigDict(extra="forbid")

    teacher_numbers: list[UserNumber] = Field(min_length=1, max_length=MAX_TEACHERS)


class StoredCourse(Protocol):
    """What :meth:`CourseOut.from_row` reads (``db.sql.course_rows.CourseRow`` has it)."""

    @property
    def course_id(self) -> UUID: ...
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def term(self) -> str: ...
    @property
    def late_weight_percent(self) -> int: ...
    @property
    def threshold_percent(self) -> int: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def teacher_numbers(self) -> tuple[str, ...]: ...
    @property
    def enrolled(self) -> int: ...


class CourseOut(BaseModel):
    course_id: UUID
    code: str
    name: str
    term: str
    late_weight_percent: int
    threshold_percent: int
    teacher_numbers: list[str]
    enrolled: int = Field(description="Students on the roster now.")
    created_at: UtcDateTime
    updated_at: UtcDateTime

    @classmethod
    def from_row(cls, row: StoredCourse) -> CourseOut:
        return cls(
            course_id=row.course_id,
            code=row.code,
            name=row.name,
            term=row.term,
            late_weight_percent=row.late_weight_percent,
            threshold_percent=row.threshold_percent,
            teacher_numbers=list(row.teacher_numbers),
            enrolled=row.enrolled,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class CourseList(BaseModel):
    items: list[CourseOut]


class RosterStudent(BaseModel):
    """A student to enrol: an unknown number becomes a student account (no password) with
    ``full_name``; an existing account keeps its own name whatever is given here."""

    model_config = ConfigDict(extra="forbid")

    student_number: UserNumber = Field(examples=["S2001"])
    full_name: FullName | None = Field(default=None, max_length=1000, examples=["Ayşe Yılmaz"])


class RosterEntryOut(BaseModel):
    student_number: str
    full_name: str
    enrolled_at: UtcDateTime


class RosterOut(BaseModel):
    course_id: UUID
    items: list[RosterEntryOut]
    total: int


class RosterImportResult(BaseModel):
    """What one (all-or-nothing) roster import did."""

    enrolled: int = Field(description="Students added to the roster.")
    already_enrolled: int = Field(description="Rows of students on the roster already.")
    created: int = Field(description="Student accounts created (without a password).")
    enrolled_numbers: list[str] = Field(default_factory=list)
    created_numbers: list[str] = Field(default_factory=list)
    kept_names: list[str] = Field(
        default_factory=list,
        description="Existing students whose name in the file differs from the account's "
        "(accounts are never renamed by a roster file).",
    )
    encoding: str | None = Field(default=None, examples=["cp1254"])
