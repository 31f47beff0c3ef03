"""``POST /check-in/{attendance_id}``: the check-in page's form, for a browser without the
script (or whose script failed).

The same path as the API's check-in (:mod:`attn.api.checkin.context`, then
:func:`attn.services.checkin.check_in.check_in`), never the API over HTTP: the session
cookie's session and the student's limit and the lesson in one round trip
(:func:`~attn.services.checkin.admission.admit`), the form's CSRF token, the role, the
limit, the attempt, the check-in. A check-in that stored a record (good or rejected) is
answered with a redirect to the page, which shows the record (POST → redirect → GET);
input the page cannot take, a limit or a closed attendance gets the form again saying so.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from attn.api.cookies import SESSION_COOKIE
from attn.api.deps import RuntimeDep, SessionDep, ensure_role, request_client_address
from attn.config import Settings
from attn.course_errors import NotEnrolled
from attn.errors import (
    AttendanceNotFound,
    AttendanceNotOpen,
    AttnError,
    InvalidInput,
    RateLimited,
    Unauthorized,
)
from attn.models import LessonRedis, Role, UserRedis
from attn.models.api_checkin import CODE_MAX_LENGTH
from attn.runtime import Runtime
from attn.services.checkin import check_in as checkin
from attn.services.checkin.admission import admit
from attn.services.checkin.page import check_in_page
from attn.services.security.checkin_checks import CheckInAttempt
from attn.services.security.face import PHOTO_FIELD, read_photo
from attn.web.context import (
    CSRF_FIELD,
    Language,
    LoginRequired,
    check_form_token,
    check_same_origin,
    show_viewer,
)
from attn.web.i18n import gettext as _
from attn.web.messages import error_text, status_text
from attn.web.pages import no_script_device, render_check_in
from attn.web.templating import render

router = APIRouter(include_in_schema=False)
FormText = Annotated[str, Form()]
FORM_PROBLEMS = (InvalidInput, AttendanceNotOpen, RateLimited)
"""What the form answers itself (the form again, saying so); the rest are error pages."""


@router.post("/check-in/{attendance_id}", response_class=HTMLResponse)
async def check_in_form(
    request: Request,
    attendance_id: str,
    runtime: RuntimeDep,
    session: SessionDep,
    language: Language,
    code: FormText = "",
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
    device_id: FormText = "",
    photo: Annotated[UploadFile | None, File(alias=PHOTO_FIELD)] = None,
) -> Response:
    """Check in with the page's form; then the page shows the record (or the form again)."""
    check_same_origin(request)
    aid = _uuid(attendance_id)
    if aid is None:
        return render(request, "not_found.html", status_code=404)
    try:
        student, lesson = await _admit_student(request, runtime, aid, csrf_token)
        typed = code.strip()
        if problems := _field_problems(lesson, typed):
            return await _form_again(request, runtime, session, aid, problems, typed, 422)
        attempt = await _attempt(request, runtime.settings, typed, device_id, photo)
        await _check_in(runtime, student, aid, attempt, lesson)
    except FORM_PROBLEMS as exc:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
        problems = _problems_of(exc)
        return await _form_again(
            request, runtime, session, aid, problems, code, exc.status, headers
        )
    except AttendanceNotFound:
        return render(request, "not_found.html", status_code=404)
    except NotEnrolled:
        pass  # the attempt is stored: the page shows it, saying why and who may accept it
    return RedirectResponse(f"/check-in/{aid}", status_code=303)


async def _check_in(
    runtime: Runtime,
    student: UserRedis,
    aid: UUID,
    attempt: CheckInAttempt,
    lesson: LessonRedis | None,
) -> None:
    """The API route's check-in, with the same clients (the record goes to the page)."""
    await checkin.check_in(
        runtime.redis_client,
        runtime.sessionmaker,
        runtime.settings,
        student,
        aid,
        attempt,
        lesson,
        verifier=runtime.face_verifier,
        now=runtime.clock.now(),
    )


def _uuid(attendance_id: str) -> UUID | None:
    try:
        return UUID(attendance_id)
    except ValueError:
        return None


async def _admit_student(
    request: Request, runtime: Runtime, aid: UUID, csrf_token: str
) -> tuple[UserRedis, LessonRedis | None]:
    """The session cookie's student within the limits, and the lesson (one round trip);
    nobody (or an ended session) is sent to log in and back, another role gets 403."""
    settings, back = runtime.settings, request.url.path
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired(back)
    client_ip = request_client_address(request, settings)
    try:
        admission = await admit(
            runtime.redis_client, settings, token, client_ip, aid, runtime.clock.now()
        )
    except Unauthorized as exc:
        raise LoginRequired(back) from exc
    show_viewer(request, settings, admission.user)
    check_form_token(settings, admission.user, csrf_token)
    student = ensure_role(admission.user, Role.STUDENT)
    if admission.over_limit is not None:
        raise admission.over_limit
    return student, admission.lesson


def _field_problems(lesson: LessonRedis | None, code: str) -> dict[str, str]:
    """The code field as the page takes it: there when the lesson asks for it, not longer
    than a code (the API's limit)."""
    if lesson is None or not lesson.checks.code:
        return {}
    if not code:
        return {"code": _("Type the code on the teacher's screen.")}
    if len(code) > CODE_MAX_LENGTH:
        return {"code": _("A code has at most %(count)s characters.") % {"count": CODE_MAX_LENGTH}}
    return {}


async def _attempt(
    request: Request, settings: Settings, code: str, device_id: str, photo: UploadFile | None
) -> CheckInAttempt:
    """The attempt as the API's body reader makes it (an empty file input is no photo)."""
    data: bytes | None = None
    photo_type: str | None = None
    if photo is not None:
        data = await read_photo(photo, settings.face_photo_max_bytes) or None
        photo_type = photo.content_type
    return CheckInAttempt(
        client_ip=request_client_address(request, settings),
        code=code or None,
        device_id=device_id.strip() or None,
        photo=data,
        photo_type=photo_type,
    )


def _problems_of(exc: AttnError) -> dict[str, str]:
    """A refusal in words, at its field when it has one ("" for the whole form)."""
    if exc.code == "device_id_required":
        return {"": no_script_device()}
    message = error_text(exc.code) or status_text(exc.status)
    if exc.code.startswith("photo_"):
        return {"photo": message}
    return {"": message}


async def _form_again(
    request: Request,
    runtime: Runtime,
    session: AsyncSession,
    aid: UUID,
    problems: dict[str, str],
    typed: str,
    status: int,
    headers: dict[str, str] | None = None,
) -> Response:
    """The page with the problems at the top and at their fields, the code kept; the
    viewer is the one the admission found (none if it refused the session's address)."""
    page = await check_in_page(runtime.redis_client, session, str(aid), runtime.clock.now())
    if page is None:
        return render(request, "not_found.html", status_code=404)
    viewer = getattr(request.state, "page", {}).get("viewer")
    return render_check_in(
        request,
        page,
        viewer,
        None,
        errors=problems,
        typed_code=typed.strip(),
        status_code=status,
        headers=headers,
    )
