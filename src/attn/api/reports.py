"""/api/v1 reports: a course's (its teachers and admins: JSON, CSV, XLSX) and a student's
across their courses (the student, admins, and teachers for the courses they teach)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response

from attn.api.deps import CurrentStaff, CurrentStudent, CurrentUser, SessionDep, SettingsDep
from attn.api.errors import error_responses
from attn.models.api_reports import (
    CourseReport,
    CsvForm,
    CsvSeparator,
    ReportLanguage,
    StudentReport,
)
from attn.models.types import USER_NUMBER_PATTERN
from attn.services.reports.course import build_course_report
from attn.services.reports.downloads import ReportFile, course_csv, course_xlsx
from attn.services.reports.files import XLSX_TYPE
from attn.services.reports.student import build_student_report
from attn.web.report_words import report_words

router = APIRouter(tags=["reports"])

CoursePath = Annotated[UUID, Path(description="The course's id.")]
StudentPath = Annotated[str, Path(pattern=USER_NUMBER_PATTERN, description="School number.")]
Language = Annotated[
    ReportLanguage, Query(alias="lang", description="The words of headings and statuses.")
]
READ = error_responses(401, 403, 404, 422)


def _download(found: ReportFile) -> Response:
    return Response(
        content=found.content,
        media_type=found.media_type,
        headers={"Content-Disposition": found.content_disposition},
    )


@router.get("/courses/{course_id}/report", response_model=CourseReport, responses=READ)
async def course_report(
    course_id: CoursePath, user: CurrentStaff, session: SessionDep
) -> CourseReport:
    """The students × held attendances matrix, rates, those under the threshold, counts."""
    return await build_course_report(session, user, course_id)


@router.get(
    "/courses/{course_id}/report.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with BOM"}, **READ},
)
async def course_report_csv(
    course_id: CoursePath,
    user: CurrentStaff,
    session: SessionDep,
    settings: SettingsDep,
    form: Annotated[CsvForm, Query(description="`long` (tidy) or `matrix`.")] = "long",
    sep: Annotated[
        CsvSeparator, Query(description="`semicolon` (decimal comma) for Excel in Turkish.")
    ] = "comma",
    lang: Language = "en",
) -> Response:
    """The report as CSV, times in `ATTN_TIME_ZONE`."""
    report = await build_course_report(session, user, course_id)
    return _download(
        course_csv(report, form=form, separator=sep, words=report_words(lang), zone=settings.zone)
    )


@router.get(
    "/courses/{course_id}/report.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX_TYPE: {}}, "description": "an XLSX workbook"}, **READ},
)
async def course_report_xlsx(
    course_id: CoursePath,
    user: CurrentStaff,
    session: SessionDep,
    settings: SettingsDep,
    lang: Language = "en",
) -> Response:
    """The report as an XLSX workbook: the matrix, the attendances, the records."""
    report = await build_course_report(session, user, course_id)
    return _download(course_xlsx(report, words=report_words(lang), zone=settings.zone))


@router.get("/students/{student_number}/report", response_model=StudentReport, responses=READ)
async def student_report(
    student_number: StudentPath, user: CurrentUser, session: SessionDep
) -> StudentReport:
    """A student's rates across courses (own, admins; a teacher: the courses they teach)."""
    return await build_student_report(session, user, student_number)


@router.get("/me/report", response_model=StudentReport, responses=error_responses(401, 403, 422))
async def my_report(user: CurrentStudent, session: SessionDep) -> StudentReport:
    """The caller's own rates across their courses (students)."""
    return await build_student_report(session, user, user.user_number)
