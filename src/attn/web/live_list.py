"""The teacher's live list: ``/teacher/attendances/{id}/live``, and adding a student to it
by number.

The page is rendered whole from one snapshot (the records and the live channel's last
event id before them); its script (``static/js/live_list.js``) then applies the channel's
deltas to the rows by student number and never reloads the list. Without the script every
action is a form (accept and reject in :mod:`attn.web.live_actions`), the filter is a GET
form, and a reload shows new check-ins. A closed or stored attendance is sent to its past
page (:func:`~attn.web.live_common.past_path`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from attn.api.deps import ClockDep, RedisDep, SessionDep, SettingsDep
from attn.errors import FullNameRequired, NotAStudent
from attn.models import UserRedis
from attn.models.api_attendances import RecordOut, SaveRecordIn
from attn.models.types import USER_NUMBER_PATTERN, normalize_name
from attn.services.attendance import live_list, records
from attn.services.courses import catalogue
from attn.web import live_words
from attn.web.context import CSRF_FIELD, check_form_token, check_same_origin
from attn.web.i18n import gettext as _
from attn.web.live_common import Staff, attendance_uuid, channel_data, live_path, past_path
from attn.web.messages import record_status_text
from attn.web.templating import render

router = APIRouter(include_in_schema=False)
FormText = Annotated[str, Form()]
FILTERS = {
    "all": (),
    "attention": ("pending", "rejected"),
    "present": ("present",),
    "late": ("late",),
    "pending": ("pending",),
    "rejected": ("rejected",),
}
"""The list's filter: which statuses each choice shows (``all``: every record)."""
MAX_QUERY = 100


def filter_labels() -> dict[str, str]:
    return {
        "all": _("Everyone"),
        "attention": _("Needs a decision (pending or rejected)"),
        "present": _("Present"),
        "late": _("Late"),
        "pending": _("Pending"),
        "rejected": _("Rejected"),
    }


def shown(record: RecordOut, show: str, query: str) -> bool:
    """Whether the filter shows ``record`` (the script applies the same rules)."""
    statuses = FILTERS.get(show, ())
    if statuses and record.status.value not in statuses:
        return False
    key = normalize_name(f"{record.user_full_name} {record.student_number}")
    return all(word in key for word in normalize_name(query).split())


@router.get("/teacher/attendances/{attendance_id}/live", response_class=HTMLResponse)
async def live_page(
    request: Request,
    attendance_id: str,
    viewer: Staff,
    redis: RedisDep,
    session: SessionDep,
    clock: ClockDep,
    show: str = "all",
    q: str = "",
) -> Response:
    """The live list of a scheduled or open attendance; its past page once it is closed."""
    aid = attendance_uuid(attendance_id)
    page = await live_list.live_list(redis, session, viewer, aid, clock.now())
    if page is None:
        return RedirectResponse(past_path(aid), status_code=303)
    code = await catalogue.course_code(session, page.lesson.course_id)
    return render_live(request, page, show=show, query=q, course_code=code)


def render_live(
    request: Request,
    page: live_list.LiveList,
    *,
    show: str = "all",
    query: str = "",
    added: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    course_code: str | None = None,
) -> HTMLResponse:
    show = show if show in FILTERS else "all"
    query = query.strip()[:MAX_QUERY]
    aid = page.lesson.attendance_id
    context: dict[str, Any] = {
        "page": page,
        "course_code": course_code,
        "show": show,
        "query": query,
        "filters": filter_labels(),
        "visible": {r.student_number for r in page.records if shown(r, show, query)},
        "note": live_words.record_note,
        "status_text": record_status_text,
        "reasons": live_words.common_reasons(),
        "added": added or {},
        "errors": errors or {},
        "script_data": {
            **channel_data(aid, page.last_event_id),
            "filters": FILTERS,
            "words": live_words.script_words(),
            "roster": page.roster,
        },
    }
    return render(request, "teacher/live.html", context, status_code=422 if errors else 200)


@router.post("/teacher/attendances/{attendance_id}/live/records", response_class=HTMLResponse)
async def add_student(
    request: Request,
    attendance_id: str,
    viewer: Staff,
    redis: RedisDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    student_number: FormText = "",
    full_name: FormText = "",
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
) -> Response:
    """Add a student by school number as present (the directory's name wins; a typed name
    is needed only for a number the directory does not know); the list again on a problem."""
    check_same_origin(request)
    check_form_token(settings, viewer, csrf_token)
    aid = attendance_uuid(attendance_id)
    typed = {"student_number": student_number.strip(), "full_name": full_name.strip()}
    problem = await _add(redis, session, viewer, aid, typed, clock)
    if problem is None:
        return RedirectResponse(f"{live_path(aid)}#r-{typed['student_number']}", status_code=303)
    page = await live_list.live_list(redis, session, viewer, aid, clock.now())
    if page is None:
        return RedirectResponse(past_path(aid), status_code=303)
    code = await catalogue.course_code(session, page.lesson.course_id)
    return render_live(request, page, added=typed, errors=problem, course_code=code)


async def _add(
    redis: RedisDep,
    session: SessionDep,
    viewer: UserRedis,
    aid: UUID,
    typed: dict[str, str],
    clock: ClockDep,
) -> dict[str, str] | None:
    """Saves the record; the form's errors by field when it cannot."""
    number = typed["student_number"]
    if not re.fullmatch(USER_NUMBER_PATTERN, number):
        return {"student_number": _("Enter a school number: letters, digits, . _ or -.")}
    try:
        body = SaveRecordIn(status="present", full_name=typed["full_name"] or None)
    except ValidationError:
        return {"full_name": _("Enter the name in at most 200 characters.")}
    try:
        await records.save_record(redis, session, viewer, aid, number, body, clock.now())
    except FullNameRequired:
        return {"full_name": _("This number is not in the directory: type the student's name.")}
    except NotAStudent:
        return {"student_number": _("This number belongs to a teacher or admin, not a student.")}
    return None
