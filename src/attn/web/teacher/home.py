"""The teacher's home: live attendances, the start form, and the history with its search.

Starting posts to ``/teacher/attendances`` and goes on to the projector; a refused start
shows the home again with the problems next to their fields and everything kept.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from attn.api.deps import ClientAddress
from attn.course_errors import CourseNotFound, NotYourCourse
from attn.errors import AttnError, Busy, InvalidInput, LiveAttendanceExists, NetworkUnknown
from attn.models import UserRedis
from attn.models.api_attendances import AttendanceOut, StartAttendanceIn
from attn.services.attendance import overview, start
from attn.services.courses import access, catalogue
from attn.services.excuses import lists as excuse_lists
from attn.services.security import network
from attn.web.excuse_words import excuse_status_text
from attn.web.messages import error_text
from attn.web.teacher.common import (
    FieldErrors,
    Services,
    ServicesDep,
    TeacherViewer,
    attendance_url,
    check_form,
    render_page,
)
from attn.web.teacher.history_form import HistorySearch, history_query, page_count, read_search
from attn.web.teacher.start_form import StartFields, read_start_form, refusal_errors

router = APIRouter(include_in_schema=False)
QueryText = Annotated[str, Query()]


@router.get("/teacher", response_class=HTMLResponse)
async def home(
    request: Request,
    viewer: TeacherViewer,
    services: ServicesDep,
    address: ClientAddress,
    q: QueryText = "",
    date_from: Annotated[str, Query(alias="from")] = "",
    date_to: Annotated[str, Query(alias="to")] = "",
    page: QueryText = "",
) -> Response:
    """Live attendances, the start form (the teacher's network ready) and the history."""
    search = read_search(q, date_from, date_to, page)
    fields = StartFields.blank(own_networks(address))
    status = 422 if search.errors else 200
    return await _home(request, viewer, services, search, fields, {}, status)


@router.post("/teacher/attendances", response_class=HTMLResponse)
async def start_attendance(
    request: Request,
    viewer: TeacherViewer,
    fields: Annotated[StartFields, Form()],
    services: ServicesDep,
    address: ClientAddress,
) -> Response:
    """Start what the form asks for and go to its projector; else the form again."""
    settings = services.settings
    check_form(request, settings, viewer, fields.csrf_token)
    maximum = settings.max_attendance_minutes
    body, errors = read_start_form(fields, services.now, settings.zone, maximum)
    status = 422
    if body is not None:
        try:
            started = await _start(services, viewer, body, address)
        except (InvalidInput, LiveAttendanceExists, Busy, CourseNotFound, NotYourCourse) as error:
            errors, status = _refused(error, fields, maximum), error.status
        else:
            return RedirectResponse(attendance_url(started.attendance_id, "projector"), 303)
    return await _home(
        request, viewer, services, read_search("", "", "", ""), fields, errors, status
    )


async def _start(
    services: Services, viewer: UserRedis, body: StartAttendanceIn, address: str
) -> AttendanceOut:
    """Start the attendance; a course's first checked to be one the teacher teaches."""
    runtime = services.runtime
    course = None
    if body.course_id is not None:
        course = await access.course_to_teach(runtime.sessionmaker, viewer, body.course_id)
    return await start.start_attendance(
        services.redis,
        services.settings,
        viewer,
        body,
        services.now,
        client_ip=address,
        face_available=runtime.face_available,
        course=course,
        sessions=runtime.sessionmaker,
    )


async def _home(
    request: Request,
    viewer: UserRedis,
    services: Services,
    search: HistorySearch,
    fields: StartFields,
    errors: FieldErrors,
    status: int,
) -> Response:
    query = history_query(search, services.settings.zone)
    found = await overview.teacher_home(
        services.redis, services.session, viewer, query, services.now
    )
    courses = await catalogue.list_courses(services.session, viewer)
    shown = [item.course_id for item in [*found.live, *found.history.page.items]]
    context = {
        "home": found,
        "courses": courses,
        "course_codes": await catalogue.course_codes(services.session, shown, courses),
        "search": search,
        "pages": page_count(found.history.page.total),
        "fields": fields,
        "errors": errors,
        "face_available": services.runtime.face_available,
        "max_minutes": services.settings.max_attendance_minutes,
        "excuse_items": await excuse_lists.pending_for_teacher(services.session, viewer),
        "excuse_status_text": excuse_status_text,
        "show_lesson": True,
    }
    return render_page(request, "teacher/home.html", context, status_code=status)


def _refused(error: AttnError, fields: StartFields, maximum: int) -> FieldErrors:
    """The service's refusal next to its field, else as the form's problem."""
    by_field = refusal_errors(error, fields, maximum)
    return by_field or {"": error_text(error.code) or error_text("invalid_input") or ""}


def own_networks(address: str) -> list[str]:
    """The teacher's own address as a network, to allow by default; none when unknown."""
    try:
        return network.default_networks(address)
    except NetworkUnknown:
        return []
