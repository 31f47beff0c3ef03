"""The report pages: a course's report for its teachers and admins (the students under the
threshold first, the matrix, the downloads), a student's report across their courses (their
own at ``/student/report``; a teacher's or admin's view at ``/students/{number}/report``),
and the downloads in the page's language (CSV: ``;`` and decimal commas by default in
Turkish, as Excel there expects; XLSX)."""

from __future__ import annotations

import re
from typing import Annotated
from uuid import UUID

from babel import Locale
from babel.numbers import format_percent
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from attn.api.deps import SessionDep, SettingsDep
from attn.course_errors import CourseNotFound
from attn.errors import UserNotFound
from attn.models import Role, UserRedis
from attn.models.api_reports import CsvForm
from attn.models.types import USER_NUMBER_PATTERN
from attn.services.reports.course import build_course_report
from attn.services.reports.downloads import ReportFile, course_csv, course_xlsx
from attn.services.reports.files import Separator
from attn.services.reports.student import build_student_report
from attn.web.context import viewer_with_role
from attn.web.i18n import current
from attn.web.messages import record_status_text
from attn.web.report_words import report_words
from attn.web.templating import render

router = APIRouter(include_in_schema=False)
StaffViewer = Annotated[UserRedis, Depends(viewer_with_role(Role.TEACHER, Role.ADMIN))]
StudentViewer = Annotated[UserRedis, Depends(viewer_with_role(Role.STUDENT))]
_NUMBER = re.compile(USER_NUMBER_PATTERN)
SEPARATOR_OF_LANGUAGE = {"tr": "semicolon"}
"""The CSV separator Excel expects in the page's language (else ``comma``)."""


def course_id_of(text: str) -> UUID:
    """The path's course id; anything that is not a UUID is a page that does not exist."""
    try:
        return UUID(text)
    except ValueError:
        raise CourseNotFound("no such course") from None


def percent_text(rate: float | None) -> str:
    """A rate in percent as the page's language writes it (``%83,3``, ``83.3%``)."""
    if rate is None:
        return "—"
    locale = Locale.parse(current().language)
    pattern = locale.percent_formats[None].pattern.replace("#,##0", "#,##0.0", 1)
    return format_percent(rate / 100, pattern, locale=locale)


def _separator(sep: str) -> str:
    chosen = sep if sep in ("comma", "semicolon") else ""
    return chosen or SEPARATOR_OF_LANGUAGE.get(current().language, "comma")


@router.get("/courses/{course_id}/report", response_class=HTMLResponse)
async def course_page(
    request: Request, course_id: str, viewer: StaffViewer, session: SessionDep
) -> Response:
    """The course's report: who is under the threshold, the matrix, the downloads."""
    report = await build_course_report(session, viewer, course_id_of(course_id))
    rows = {row.student_number: row for row in report.students}
    context = {
        "report": report,
        "under": [rows[number] for number in report.under_threshold],
        "status_text": record_status_text,
        "percent": percent_text,
        "separator": _separator(""),
    }
    return render(request, "reports/course.html", context)


def _download(found: ReportFile) -> Response:
    headers = {"Content-Disposition": found.content_disposition, "Cache-Control": "no-store"}
    return Response(content=found.content, media_type=found.media_type, headers=headers)


@router.get("/courses/{course_id}/report.csv")
async def course_csv_download(
    course_id: str,
    viewer: StaffViewer,
    session: SessionDep,
    settings: SettingsDep,
    form: str = "long",
    sep: str = "",
) -> Response:
    """The report as CSV in the page's words; ``sep`` defaults from the page's language."""
    report = await build_course_report(session, viewer, course_id_of(course_id))
    chosen: CsvForm = "matrix" if form == "matrix" else "long"
    separator: Separator = "semicolon" if _separator(sep) == "semicolon" else "comma"
    words = report_words(current().language)
    return _download(
        course_csv(report, form=chosen, separator=separator, words=words, zone=settings.zone)
    )


@router.get("/courses/{course_id}/report.xlsx")
async def course_xlsx_download(
    course_id: str, viewer: StaffViewer, session: SessionDep, settings: SettingsDep
) -> Response:
    """The report as an XLSX workbook in the page's words."""
    report = await build_course_report(session, viewer, course_id_of(course_id))
    return _download(
        course_xlsx(report, words=report_words(current().language), zone=settings.zone)
    )


@router.get("/student/report", response_class=HTMLResponse)
async def own_page(request: Request, viewer: StudentViewer, session: SessionDep) -> Response:
    """The student's own rates across their courses."""
    report = await build_student_report(session, viewer, viewer.user_number)
    context = {"report": report, "own": True, "status_text": record_status_text}
    context["percent"] = percent_text
    return render(request, "reports/student.html", context)


@router.get("/students/{number}/report", response_class=HTMLResponse)
async def student_page(
    request: Request, number: str, viewer: StaffViewer, session: SessionDep
) -> Response:
    """A student's rates, for admins and the teachers of the student's courses (theirs)."""
    if not _NUMBER.fullmatch(number):
        raise UserNotFound("no such student")
    report = await build_student_report(session, viewer, number)
    context = {"report": report, "own": False, "status_text": record_status_text}
    context["percent"] = percent_text
    return render(request, "reports/student.html", context)
