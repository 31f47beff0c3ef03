"""One course's page (``/courses/{id}``): its facts, its teachers (an admin names them), the
roster with a remove button per student, and the form adding one. Each change answers with a
redirect back to the page, which says what was done, or with the page and what to fix."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from attn.api.deps import ClockDep, RedisDep, SessionDep, SettingsDep
from attn.course_errors import AlreadyEnrolled, NotATeacher
from attn.db.sql.course_rows import CourseRow
from attn.errors import FullNameRequired, NotAStudent, UserExists
from attn.models import UserRedis
from attn.models.api_courses import RosterStudent, TeachersSet
from attn.models.types import USER_NUMBER_PATTERN
from attn.services.courses import access, catalogue, roster
from attn.web.admin.common import AdminViewer, CsrfToken, FormText, check_form, field_errors
from attn.web.courses.common import (
    StaffViewer,
    course_field_words,
    course_url,
    managed,
    numbers_in,
    render_course_page,
)
from attn.web.i18n import gettext as _

router = APIRouter(include_in_schema=False)
Number = Annotated[str, Path(pattern=USER_NUMBER_PATTERN)]


def done_words() -> dict[str, str]:
    return {
        "created": _("The course was created."),
        "teachers": _("The teachers were saved."),
        "added": _("The student was added to the roster."),
        "removed": _("The student was taken off the roster. Their records stay."),
    }


@router.get("/courses/{course_id}", response_class=HTMLResponse)
async def course_page(
    request: Request, course_id: str, viewer: StaffViewer, session: SessionDep, done: str = ""
) -> Response:
    course = await managed(session, viewer, course_id)
    return await course_view(request, viewer, session, course, notice=done_words().get(done))


async def course_view(
    request: Request,
    viewer: UserRedis,
    session: SessionDep,
    course: CourseRow,
    *,
    notice: str | None = None,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "course": course,
        "roster": await roster.list_roster(session, course),
        "notice": notice,
        "errors": errors or {},
        "form": form or {"teacher_numbers": ", ".join(course.teacher_numbers)},
    }
    return render_course_page(
        request, viewer, "courses/course.html", context, status_code=status_code
    )


def _done(course: CourseRow, what: str) -> Response:
    return RedirectResponse(course_url(course.course_id) + f"?done={what}", status_code=303)


@router.post("/courses/{course_id}/roster", response_class=HTMLResponse)
async def add_student(
    request: Request,
    course_id: str,
    viewer: StaffViewer,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    clock: ClockDep,
    csrf_token: CsrfToken = "",
    student_number: FormText = "",
    full_name: FormText = "",
) -> Response:
    """Enrol a student (a new number becomes a student account with the name given)."""
    check_form(request, settings, viewer, csrf_token)
    course = await managed(session, viewer, course_id)
    typed = {"student_number": student_number.strip(), "full_name": full_name}
    try:
        body = RosterStudent.model_validate({**typed, "full_name": full_name.strip() or None})
        await roster.add_student(
            session, redis, course, body, actor=viewer.user_number, now=clock.now()
        )
    except ValidationError as exc:
        errors = field_errors(exc, course_field_words())
        return await _again(request, viewer, session, course, typed, errors, 422)
    except (AlreadyEnrolled, FullNameRequired, NotAStudent, UserExists) as exc:
        field, words = _add_problem(exc)
        return await _again(request, viewer, session, course, typed, {field: words}, exc.status)
    return _done(course, "added")


def _add_problem(exc: Exception) -> tuple[str, str]:
    if isinstance(exc, FullNameRequired):
        return "full_name", _("This number has no account yet: enter the student's full name.")
    if isinstance(exc, NotAStudent):
        return "student_number", _("This number is a teacher's or admin's account.")
    if isinstance(exc, AlreadyEnrolled):
        return "student_number", _("This student is on the roster already.")
    return "student_number", _("Someone created this account just now. Try again.")


async def _again(
    request: Request,
    viewer: UserRedis,
    session: SessionDep,
    course: CourseRow,
    typed: dict[str, str],
    errors: dict[str, str],
    status_code: int,
) -> Response:
    form = {"teacher_numbers": ", ".join(course.teacher_numbers), **typed}
    return await course_view(
        request, viewer, session, course, errors=errors, form=form, status_code=status_code
    )


@router.post("/courses/{course_id}/roster/{number}/remove", response_class=HTMLResponse)
async def remove_student(
    request: Request,
    course_id: str,
    number: Number,
    viewer: StaffViewer,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    clock: ClockDep,
    csrf_token: CsrfToken = "",
) -> Response:
    """Take a student off the roster (a 404 page when they are not on it)."""
    check_form(request, settings, viewer, csrf_token)
    course = await managed(session, viewer, course_id)
    await roster.remove_student(
        session, redis, course, number, actor=viewer.user_number, now=clock.now()
    )
    return _done(course, "removed")


@router.post("/courses/{course_id}/teachers", response_class=HTMLResponse)
async def set_teachers(
    request: Request,
    course_id: str,
    viewer: AdminViewer,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    csrf_token: CsrfToken = "",
    teacher_numbers: FormText = "",
) -> Response:
    """An admin names the course's teachers."""
    check_form(request, settings, viewer, csrf_token)
    course = await managed(session, viewer, course_id)
    typed = {"teacher_numbers": teacher_numbers}
    try:
        body = TeachersSet.model_validate({"teacher_numbers": numbers_in(teacher_numbers)})
        await catalogue.set_teachers(
            session, course.course_id, body.teacher_numbers, actor=viewer.user_number,
            now=clock.now(),
        )  # fmt: skip
    except ValidationError as exc:
        errors = field_errors(exc, course_field_words())
        return await _again(request, viewer, session, course, typed, errors, 422)
    except NotATeacher as exc:
        wrong = ", ".join(exc.details["user_numbers"])
        errors = {"teacher_numbers": _("Not a teacher's account: %(numbers)s") % {"numbers": wrong}}
        return await _again(request, viewer, session, course, typed, errors, 422)
    return _done(await access.get_course(session, course.course_id), "teachers")
