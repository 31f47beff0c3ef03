"""A course report as a download: the CSV in its long or matrix form, or the XLSX workbook
(the matrix, the attendances with their counts, and the long form, one sheet each)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import tzinfo

from attn.models.api_reports import CourseReport, CsvForm
from attn.services.reports.files import CSV_TYPE, XLSX_TYPE, Separator, csv_bytes, xlsx_bytes
from attn.services.reports.tables import (
    ReportWords,
    attendances_table,
    long_table,
    matrix_table,
)


@dataclass(frozen=True, slots=True)
class ReportFile:
    content: bytes
    media_type: str
    content_disposition: str


def _attachment(report: CourseReport, suffix: str) -> str:
    """The course code is letters, digits and ``._-`` only, so the name needs no quoting."""
    return f'attachment; filename="{report.course.code}-{suffix}"'


def course_csv(
    report: CourseReport,
    *,
    form: CsvForm,
    separator: Separator,
    words: ReportWords,
    zone: tzinfo,
) -> ReportFile:
    table = long_table(report, zone) if form == "long" else matrix_table(report, words, zone)
    return ReportFile(
        csv_bytes(table, separator), CSV_TYPE, _attachment(report, f"attendance-{form}.csv")
    )


def course_xlsx(report: CourseReport, *, words: ReportWords, zone: tzinfo) -> ReportFile:
    sheets = [
        matrix_table(report, words, zone),
        attendances_table(report, words, zone),
        replace(long_table(report, zone), name=words.records_sheet),
    ]
    return ReportFile(xlsx_bytes(sheets), XLSX_TYPE, _attachment(report, "attendance.xlsx"))
