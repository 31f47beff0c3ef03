"""API schemas of the attendance reports (docs/design.md#reports).

A cell of the matrix is a record status, or None where the student was not on the roster
at that attendance's close and has no record there (the attendance does not count for
them). The rate is in percent with one decimal; whether a student is under the threshold
is decided on the exact rate (``services/reports/rate.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from attn.models.types import RecordStatus

CsvForm = Literal["long", "matrix"]
CsvSeparator = Literal["comma", "semicolon"]
ReportLanguage = Literal["en", "tr"]


class StatusCounts(BaseModel):
    """How many in each status (``absent`` includes students on the roster without a
    record); ``counted`` is their sum."""

    present: int = 0
    late: int = 0
    excused: int = 0
    absent: int = 0
    rejected: int = 0
    pending: int = 0
    counted: int = 0


class ReportCourse(BaseModel):
    course_id: UUID
    code: str
    name: str
    term: str
    late_weight_percent: int
    threshold_percent: int


class ReportAttendance(BaseModel):
    """One held attendance (a column of the matrix) with its counts."""

    attendance_id: UUID
    lesson_name: str
    starts_at: datetime
    closed_at: datetime = Field(description="finished_at, or ends_at if it ran to its end.")
    counts: StatusCounts


class ReportStudent(BaseModel):
    """One row of the matrix: the student's cells in the order of ``attendances``."""

    student_number: str
    full_name: str
    enrolled: bool = Field(description="On the roster now (False: left, or a walk-in).")
    statuses: list[RecordStatus | None]
    counts: StatusCounts
    rate_percent: float | None = Field(
        description="(present + late × late weight) / (counted − excused), in percent; "
        "null when nothing counts."
    )
    under_threshold: bool


class CourseReport(BaseModel):
    """The course's report: held attendances, every student's row, and those under the
    threshold (students on the roster now, lowest rate first)."""

    course: ReportCourse
    attendances: list[ReportAttendance]
    students: list[ReportStudent]
    under_threshold: list[str] = Field(description="Student numbers, lowest rate first.")


class StudentLesson(BaseModel):
    attendance_id: UUID
    lesson_name: str
    starts_at: datetime
    status: RecordStatus


class StudentCourse(BaseModel):
    """One of the student's courses: the counted attendances and the rate."""

    course: ReportCourse
    enrolled: bool
    lessons: list[StudentLesson]
    counts: StatusCounts
    rate_percent: float | None
    under_threshold: bool


class StudentReport(BaseModel):
    """A student's attendance across their courses (for a teacher: the courses they teach)."""

    student_number: str
    full_name: str
    courses: list[StudentCourse]
