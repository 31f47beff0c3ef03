"""The student's pages: the own history (``/student``) and finding an open attendance by
its teacher and lesson (``/check-in``), the way in when there is no QR code to scan: the
attendance found, its check-in page takes the code typed from the screen."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from attn.api.deps import ClockDep, RedisDep, SessionDep
from attn.errors import InvalidInput, SearchQueryRequired
from attn.models import Role, UserRedis
from attn.models.api_attendances import PageQuery
from attn.services.checkin import admission, mine
from attn.services.excuses import lists as excuse_lists
from attn.services.excuses.requests import EXCUSABLE
from attn.web.context import viewer_with_role
from attn.web.excuse_words import excuse_done_text, excuse_status_text
from attn.web.i18n import gettext as _
from attn.web.messages import error_text, record_status_text, refusal_text
from attn.web.templating import render

router = APIRouter(include_in_schema=False)
StudentViewer = Annotated[UserRedis, Depends(viewer_with_role(Role.STUDENT))]
PAGE_SIZE = 20
MAX_QUERY = 200
"""The longest name the search takes (as the API's ``/attendances/search``)."""


@router.get("/student", response_class=HTMLResponse)
async def home(
    request: Request,
    viewer: StudentViewer,
    redis: RedisDep,
    session: SessionDep,
    clock: ClockDep,
    page: str = "1",
    done: str = "",
) -> Response:
    """The student's own records, live ones first, a page at a time, and their excuse
    requests with the outcomes."""
    number, query = _page_query(page)
    history = await mine.my_history(redis, session, viewer, query, clock.now())
    pages = max(1, -(-history.total // PAGE_SIZE))
    excuses = await excuse_lists.own(session, viewer)
    asked: dict[object, object] = {}
    for listed in reversed(excuses):  # the newest request of each attendance wins
        asked[listed.excuse.attendance_id] = listed.excuse
    context = {
        "history": history,
        "excuses": excuses,
        "asked": asked,
        "excusable": {status.value for status in EXCUSABLE},
        "excuse_status_text": excuse_status_text,
        "notice": excuse_done_text(done),
        "page_number": number,
        "pages": pages,
        "status_text": record_status_text,
        "reason_text": refusal_text,
    }
    return render(request, "student/home.html", context)


def _page_query(page: str) -> tuple[int, PageQuery]:
    """``?page=`` as a page number and its query; 422 (an error page) if it is none."""
    try:
        number = int(page) if page.isdecimal() else 0
        return number, PageQuery(limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    except ValidationError as exc:
        raise InvalidInput("page must be a page number", details={"field": "page"}) from exc


@router.get("/check-in", response_class=HTMLResponse)
async def find(
    request: Request,
    viewer: StudentViewer,
    redis: RedisDep,
    clock: ClockDep,
    teacher_name: str = "",
    lesson_name: str = "",
) -> Response:
    """Open attendances by teacher and lesson name; asked without a name, the form again
    saying so (the search needs a word, so nobody lists every open attendance)."""
    form = {"teacher_name": teacher_name, "lesson_name": lesson_name}
    context: dict[str, object] = {"form": form, "errors": {}, "results": None}
    if not request.query_params:
        return render(request, "student/find.html", context)
    errors = {
        name: _("At most %(count)s characters.") % {"count": MAX_QUERY}
        for name, value in form.items()
        if len(value) > MAX_QUERY
    }
    if not errors:
        try:
            results = await admission.search_open(redis, teacher_name, lesson_name, clock.now())
            context["results"] = results
        except SearchQueryRequired as exc:
            errors["teacher_name"] = error_text(exc.code) or exc.message
    context["errors"] = errors
    return render(request, "student/find.html", context, status_code=422 if errors else 200)
