"""The student's "ask to be excused" form (``/student/attendances/{id}/excuse``): a plain
multipart form (a note, one optional file) that works without JavaScript, posted to the
same service as ``POST /api/v1/attendances/{id}/excuses``; the outcome is on ``/student``.
Downloads of an excuse's file (``/excuses/{id}/file``) are a page route for the student and
the staff alike, so a refusal is an error page in the viewer's language."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from attn.api.deps import ClockDep, RedisDep, SessionDep, SettingsDep
from attn.api.excuse_upload import read_excuse_form
from attn.api.excuses import attachment
from attn.errors import AttendanceNotFound, AttnError
from attn.excuse_errors import ExcuseFileType, ExcuseNotFound, InvalidExcuse
from attn.models import Role, UserRedis
from attn.models.api_excuses import MAX_NOTE
from attn.services.excuses import access, files, requests
from attn.web.context import check_form_token, check_same_origin, viewer_with_role
from attn.web.excuse_words import excuse_error_text
from attn.web.i18n import gettext as _
from attn.web.messages import error_text, record_status_text
from attn.web.templating import render

router = APIRouter(include_in_schema=False)
StudentViewer = Annotated[UserRedis, Depends(viewer_with_role(Role.STUDENT))]
AnyViewer = Annotated[UserRedis, Depends(viewer_with_role(Role.STUDENT, Role.TEACHER, Role.ADMIN))]
FORM_PATH = "/student/attendances/{attendance_id}/excuse"


def _uuid(text: str, missing: type[AttnError]) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise missing("no such page") from None


@router.get(FORM_PATH, response_class=HTMLResponse)
async def excuse_form(
    request: Request,
    attendance_id: str,
    viewer: StudentViewer,
    redis: RedisDep,
    session: SessionDep,
) -> Response:
    """The form, for an attendance the student may ask about (else the refusal's page)."""
    aid = _uuid(attendance_id, AttendanceNotFound)
    row, status = await requests.form_target(redis, session, viewer, aid)
    return _page(request, row.lesson_name, row.starts_at, status, "", {})


@router.post(FORM_PATH, response_class=HTMLResponse)
async def send_excuse(
    request: Request,
    attendance_id: str,
    viewer: StudentViewer,
    redis: RedisDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> Response:
    """Send the request; to ``/student`` with a notice, or the form again saying what is wrong."""
    check_same_origin(request)
    aid = _uuid(attendance_id, AttendanceNotFound)
    form = await read_excuse_form(request)
    check_form_token(settings, viewer, form.fields.get("csrf_token"))
    row, status = await requests.form_target(redis, session, viewer, aid)
    try:
        await requests.ask(
            redis, session, settings, viewer, aid, form.note, form.upload, clock.now()
        )
    except InvalidExcuse:
        errors = {"note": _("Write why you missed the lesson, at most %(count)s characters.")
                  % {"count": MAX_NOTE}}  # fmt: skip
    except ExcuseFileType:
        errors = {"file": excuse_error_text("excuse_file_type") or ""}
    else:
        return RedirectResponse("/student?done=excuse_sent#excuses", status_code=303)
    return _page(request, row.lesson_name, row.starts_at, status, form.note or "", errors, 422)


def _page(
    request: Request,
    lesson_name: str,
    starts_at: object,
    status: str | None,
    note: str,
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    context = {
        "lesson_name": lesson_name,
        "starts_at": starts_at,
        "record_status": record_status_text(status) if status else None,
        "note": note,
        "errors": errors,
        "max_note": MAX_NOTE,
        "error_text": error_text,
    }
    return render(request, "student/excuse.html", context, status_code=status_code)


@router.get("/excuses/{excuse_id}/file")
async def excuse_file(
    excuse_id: str, viewer: AnyViewer, session: SessionDep, settings: SettingsDep
) -> Response:
    """The request's file as an attachment, for its student and those who decide it."""
    listed = await access.may_see(session, viewer, _uuid(excuse_id, ExcuseNotFound))
    info, content = await files.download(session, settings, listed)
    return attachment(content, info.name, info.media_type)
