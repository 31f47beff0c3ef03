"""The lists of courses: every course and the form creating one for an admin
(``/admin/courses``), a teacher's own courses (``/teacher/courses``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from attn.api.deps import ClockDep, SessionDep, SettingsDep
from attn.course_errors import CourseExists, NotATeacher
from attn.models import Role, UserRedis
from attn.models.api_courses import LATE_WEIGHT_DEFAULT, THRESHOLD_DEFAULT, CourseCreate
from attn.services.courses import catalogue
from attn.web.admin.common import AdminViewer, CsrfToken, FormText, check_form, field_errors
from attn.web.context import viewer_with_role
from attn.web.courses.common import course_field_words, course_url, numbers_in, render_course_page
from attn.web.i18n import gettext as _

router = APIRouter(include_in_schema=False)
TeacherViewer = Annotated[UserRedis, Depends(viewer_with_role(Role.TEACHER))]
ADMIN_LIST = "/admin/courses"


@router.get(ADMIN_LIST, response_class=HTMLResponse)
async def admin_courses(request: Request, viewer: AdminViewer, session: SessionDep) -> Response:
    return await _admin_page(request, viewer, session, _blank_form(), {})


@router.get("/teacher/courses", response_class=HTMLResponse)
async def my_courses(request: Request, viewer: TeacherViewer, session: SessionDep) -> Response:
    courses = await catalogue.list_courses(session, viewer)
    return render_course_page(request, viewer, "courses/list.html", {"courses": courses})


@router.post(ADMIN_LIST, response_class=HTMLResponse)
async def create_course(
    request: Request,
    viewer: AdminViewer,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    csrf_token: CsrfToken = "",
    code: FormText = "",
    name: FormText = "",
    term: FormText = "",
    teacher_numbers: FormText = "",
    late_weight_percent: FormText = "",
    threshold_percent: FormText = "",
) -> Response:
    """Create the course and show it; else the form again with what to fix."""
    check_form(request, settings, viewer, csrf_token)
    typed = {
        "code": code.strip(),
        "name": name,
        "term": term,
        "teacher_numbers": teacher_numbers,
        "late_weight_percent": late_weight_percent,
        "threshold_percent": threshold_percent,
    }
    try:
        body = CourseCreate.model_validate(
            {**typed, "teacher_numbers": numbers_in(teacher_numbers)}
        )
    except ValidationError as exc:
        errors = field_errors(exc, course_field_words())
        return await _admin_page(request, viewer, session, typed, errors, status_code=422)
    try:
        row = await catalogue.create_course(
            session, body, actor=viewer.user_number, now=clock.now()
        )
    except (CourseExists, NotATeacher) as exc:
        errors = _refusal(exc)
        return await _admin_page(request, viewer, session, typed, errors, status_code=exc.status)
    return RedirectResponse(course_url(row.course_id) + "?done=created", status_code=303)


def _refusal(exc: CourseExists | NotATeacher) -> dict[str, str]:
    if isinstance(exc, CourseExists):
        return {"code": _("There is already a course with this code.")}
    wrong = ", ".join(exc.details["user_numbers"])
    return {"teacher_numbers": _("Not a teacher's account: %(numbers)s") % {"numbers": wrong}}


def _blank_form() -> dict[str, str]:
    return {"late_weight_percent": str(LATE_WEIGHT_DEFAULT),
            "threshold_percent": str(THRESHOLD_DEFAULT)}  # fmt: skip


async def _admin_page(
    request: Request,
    viewer: UserRedis,
    session: SessionDep,
    form: dict[str, str],
    errors: dict[str, str],
    *,
    status_code: int = 200,
) -> Response:
    courses = await catalogue.list_courses(session, viewer)
    context = {"courses": courses, "form": form, "errors": errors}
    return render_course_page(
        request, viewer, "courses/list.html", context, status_code=status_code
    )
