"""A course report as tables for people and programs: the tidy long form (one row per
student and attendance that counts), the matrix (a row per student, a column per
attendance, then the counts and the rate) and the attendances with their counts.

The long form is for programs: fixed English column names and the status codes. The matrix
and the attendance table are for people: headings and statuses in the reader's words
(:class:`ReportWords`, given by the caller in the reader's language). Times are local to the
installation, as in the attendance export (``services/attendance/export.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from attn.models.api_reports import CourseReport, StatusCounts
from attn.services.attendance.export import local_time

Cell = str | float | int | None
STATUS_ORDER = ("present", "late", "excused", "absent", "rejected", "pending")
LONG_COLUMNS = (
    "course_code",
    "term",
    "attendance_id",
    "starts_at",
    "lesson_name",
    "student_number",
    "full_name",
    "status",
)


@dataclass(frozen=True, slots=True)
class ReportWords:
    """The words of a report's people-facing tables, in one language."""

    statuses: dict[str, str]
    student_number: str
    full_name: str
    lesson: str
    starts_at: str
    counted: str
    rate: str
    under_threshold: str
    yes: str
    no: str
    matrix_sheet: str
    attendances_sheet: str
    records_sheet: str


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    header: list[str]
    rows: list[list[Cell]]
    widths: list[int]
    """A column width for each header (in characters), for the XLSX sheet."""
    frozen_columns: int = 0


def _start(moment: datetime, zone: tzinfo) -> str:
    """``2026-09-15 09:00``: the local start, to the minute."""
    return local_time(moment, zone)[:16]


def _count_cells(counts: StatusCounts) -> list[Cell]:
    return [getattr(counts, status) for status in STATUS_ORDER]


def long_table(report: CourseReport, zone: tzinfo) -> Table:
    """One row per (attendance, student) that counts, by attendance then student."""
    rows: list[list[Cell]] = []
    starts = [_start(a.starts_at, zone) for a in report.attendances]
    for index, attendance in enumerate(report.attendances):
        for student in report.students:
            status = student.statuses[index]
            if status is None:
                continue
            rows.append(
                [
                    report.course.code,
                    report.course.term,
                    str(attendance.attendance_id),
                    starts[index],
                    attendance.lesson_name,
                    student.student_number,
                    student.full_name,
                    status.value,
                ]
            )
    header = [f"starts_at ({zone})" if c == "starts_at" else c for c in LONG_COLUMNS]
    return Table("records", header, rows, [12, 12, 38, 18, 30, 14, 30, 10])


def matrix_table(report: CourseReport, words: ReportWords, zone: tzinfo) -> Table:
    """A row per student: number, name, a status word per attendance, the counts, the
    rate (a number, percent) and whether under the threshold."""
    header = [
        words.student_number,
        words.full_name,
        *(_start(a.starts_at, zone) for a in report.attendances),
        *(words.statuses[status] for status in STATUS_ORDER),
        words.counted,
        words.rate,
        words.under_threshold,
    ]
    rows: list[list[Cell]] = [
        [
            student.student_number,
            student.full_name,
            *(words.statuses[s.value] if s is not None else "" for s in student.statuses),
            *_count_cells(student.counts),
            student.counts.counted,
            student.rate_percent,
            words.yes if student.under_threshold else words.no,
        ]
        for student in report.students
    ]
    status_width = max([len(word) for word in words.statuses.values()] + [16])
    widths = [
        14,
        max([len(s.full_name) for s in report.students] + [len(words.full_name), 20]) + 2,
        *([status_width] * len(report.attendances)),
        *(max(len(words.statuses[s]), 8) + 2 for s in STATUS_ORDER),
        max(len(words.counted), 8) + 2,
        max(len(words.rate), 8) + 2,
        max(len(words.under_threshold), 8) + 2,
    ]
    return Table(words.matrix_sheet, header, rows, widths, frozen_columns=2)


def attendances_table(report: CourseReport, words: ReportWords, zone: tzinfo) -> Table:
    """A row per held attendance: its local start, lesson and counts."""
    header = [
        words.starts_at,
        words.lesson,
        *(words.statuses[status] for status in STATUS_ORDER),
        words.counted,
    ]
    rows: list[list[Cell]] = [
        [
            _start(a.starts_at, zone),
            a.lesson_name,
            *_count_cells(a.counts),
            a.counts.counted,
        ]
        for a in report.attendances
    ]
    widths = [18, 30, *(max(len(words.statuses[s]), 8) + 2 for s in STATUS_ORDER), 10]
    return Table(words.attendances_sheet, header, rows, widths)
