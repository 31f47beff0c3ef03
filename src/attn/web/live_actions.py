"""The live list's actions as forms: accept, reject with a reason, finish.

Each is POST → redirect → GET and works without the script; the script (``live_list.js``)
does the same through the JSON API in place. A rejection needs a reason: a Reject button
posted without one leads to a page offering the common reasons, one tap each. Finishing
asks first, on a page of its own.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError

from attn.api.deps import ClockDep, RedisDep, SessionDep, SettingsDep
from attn.errors import InvalidInput
from attn.models.types import USER_NUMBER_PATTERN, Reason
from attn.services.attendance import live_list, manage, records
from attn.web import live_words
from attn.web.context import CSRF_FIELD, check_form_token, check_same_origin
from attn.web.i18n import gettext as _
from attn.web.live_common import Staff, attendance_uuid, live_path, past_path
from attn.web.live_list import FILTERS, MAX_QUERY
from attn.web.messages import record_status_text
from attn.web.templating import render

router = APIRouter(include_in_schema=False)
FormText = Annotated[str, Form()]
CsrfField = Annotated[str, Form(alias=CSRF_FIELD)]
REASON: TypeAdapter[str] = TypeAdapter(Reason)
BASE = "/teacher/attendances/{attendance_id}/live"


def _student(value: str) -> str:
    """A school number from a form or path; anything else is bad input (a 422 page)."""
    value = value.strip()
    if not re.fullmatch(USER_NUMBER_PATTERN, value):
        raise InvalidInput("not a school number", details={"field": "student_number"})
    return value


def _back(aid: UUID, show: str, query: str, student: str) -> str:
    """The list again, with its filter, at the row just changed."""
    params = {"show": show if show in FILTERS else "all", "q": query.strip()[:MAX_QUERY]}
    params = {key: value for key, value in params.items() if value and value != "all"}
    return live_path(aid) + (f"?{urlencode(params)}" if params else "") + f"#r-{student}"


@router.post(BASE + "/decide", response_class=HTMLResponse)
async def decide(
    request: Request,
    attendance_id: str,
    viewer: Staff,
    redis: RedisDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    csrf_token: CsrfField = "",
    accept: FormText = "",
    reject: FormText = "",
    reason: FormText = "",
    other_reason: FormText = "",
    typed: FormText = "",
    show: FormText = "",
    q: FormText = "",
) -> Response:
    """Accept (``accept`` = the student's number) or reject (``reject`` = the number, with
    a ``reason`` or an ``other_reason`` typed); a rejection without one asks for it."""
    check_same_origin(request)
    check_form_token(settings, viewer, csrf_token)
    aid = attendance_uuid(attendance_id)
    student = _student(accept or reject)
    why: str | None = None
    if not accept:
        typed_reason = (other_reason or reason).strip()
        if not typed_reason and not typed:
            return RedirectResponse(f"{live_path(aid)}/reject/{student}", status_code=303)
        try:
            why = REASON.validate_python(typed_reason)
        except ValidationError:
            message = _("Choose a reason or type one (at most 500 characters).")
            return await _reason_page(request, viewer, redis, session, aid, student, message)
    now = clock.now()
    await records.decide_record(
        redis, session, viewer, aid, student, accept=bool(accept), reason=why, now=now
    )
    return RedirectResponse(_back(aid, show, q, student), status_code=303)


@router.get(BASE + "/reject/{student_number}", response_class=HTMLResponse)
async def reject_page(
    request: Request,
    attendance_id: str,
    student_number: str,
    viewer: Staff,
    redis: RedisDep,
    session: SessionDep,
) -> Response:
    """Why reject this student? The common reasons, one tap each, or one typed."""
    aid = attendance_uuid(attendance_id)
    student = _student(student_number)
    return await _reason_page(request, viewer, redis, session, aid, student, None)


async def _reason_page(
    request: Request,
    viewer: Staff,
    redis: RedisDep,
    session: SessionDep,
    aid: UUID,
    student: str,
    error: str | None,
) -> Response:
    record = await live_list.live_record(redis, session, viewer, aid, student)
    if record is None:
        return RedirectResponse(past_path(aid), status_code=303)
    context = {
        "record": record,
        "reasons": live_words.common_reasons(),
        "status_text": record_status_text,
        "action": f"{live_path(aid)}/decide",
        "back": live_path(aid),
        "errors": {"other_reason": error} if error else {},
    }
    return render(request, "teacher/live_reject.html", context, status_code=422 if error else 200)


@router.get(BASE + "/finish", response_class=HTMLResponse)
async def finish_page(
    request: Request,
    attendance_id: str,
    viewer: Staff,
    redis: RedisDep,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    """Finish now? Says how many are checked in; the list stays one tap away."""
    aid = attendance_uuid(attendance_id)
    page = await live_list.live_list(redis, session, viewer, aid, clock.now())
    if page is None:
        return RedirectResponse(past_path(aid), status_code=303)
    return render(request, "teacher/live_finish.html", {"page": page, "back": live_path(aid)})


@router.post(BASE + "/finish", response_class=HTMLResponse)
async def finish(
    request: Request,
    attendance_id: str,
    viewer: Staff,
    redis: RedisDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    csrf_token: CsrfField = "",
) -> Response:
    """Close the attendance now (no more check-ins) and go to its past page."""
    check_same_origin(request)
    check_form_token(settings, viewer, csrf_token)
    aid = attendance_uuid(attendance_id)
    await manage.finish_attendance(redis, session, viewer, aid, clock.now())
    return RedirectResponse(past_path(aid), status_code=303)
