"""The check-in page behind the teacher's QR code: ``/check-in/{attendance_id}?code=...``.

Plain HTML from a Jinja2 template (autoescaped) that works on its own: it shows the login
form to nobody and the check-in form to a student, with the record already there, and the
forms post to the login page and to :mod:`attn.web.check_in_form` (POST → redirect → GET).
A little script enhances it: it keeps the QR link's code as a scan ticket
(``POST /api/v1/attendances/{id}/scan``) so the login may outlast the code, logs the
student in through ``POST /api/v1/auth/login`` (the session lives in the HttpOnly cookie
that sets; the page stores nothing of it), keeps a random device id in local storage for
the device check, and posts the check-in to the API like any other client, retrying while
the connection is down. Its sentences come in the page's language
(:mod:`attn.web.check_in_words`).
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from attn.api.cookies import CSRF_COOKIE
from attn.api.deps import CSRF_HEADER, ClockDep, RedisDep, SessionDep
from attn.db.redis_client import RedisClient
from attn.errors import RecordNotFound
from attn.models import Role, UserRedis
from attn.models.api_checkin import CODE_MAX_LENGTH
from attn.services.checkin import mine
from attn.services.checkin.page import CheckInPage, check_in_page
from attn.services.security.devices import DEVICE_ID_HEADER
from attn.services.security.face import PHOTO_FIELD
from attn.web.check_in_words import RecordView, check_in_words_json, record_view
from attn.web.context import Viewer
from attn.web.i18n import gettext as _
from attn.web.messages import error_text
from attn.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/check-in/{attendance_id}", response_class=HTMLResponse)
async def check_in(
    request: Request,
    attendance_id: str,
    redis: RedisDep,
    session: SessionDep,
    clock: ClockDep,
    viewer: Viewer,
) -> HTMLResponse:
    """The student's check-in page (404 page for an unknown or deleted attendance)."""
    page = await check_in_page(redis, session, attendance_id, clock.now())
    if page is None:
        return render(request, "not_found.html", status_code=404)
    record = await own_record(redis, session, viewer, page)
    return render_check_in(request, page, viewer, record)


async def own_record(
    redis: RedisClient, session: AsyncSession, viewer: UserRedis | None, page: CheckInPage
) -> RecordView | None:
    """The student's record in this open attendance, in words; None if there is none."""
    if viewer is None or viewer.role != Role.STUDENT or not page.open:
        return None
    try:
        return record_view(await mine.my_record(redis, session, viewer, page.attendance_id))
    except RecordNotFound:
        return None


def render_check_in(
    request: Request,
    page: CheckInPage,
    viewer: UserRedis | None,
    record: RecordView | None,
    *,
    errors: Mapping[str, str] | None = None,
    typed_code: str = "",
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The page for ``viewer``: the login form to nobody, the check-in form to a student
    (hidden once their record needs no new attempt), the wrong role said in words."""
    status_line = record
    if viewer is not None and viewer.role != Role.STUDENT:
        status_line = RecordView(error_text("wrong_role") or "", "bad", may_retry=False)
    context = {
        "page": page,
        "csrf_cookie": CSRF_COOKIE,
        "csrf_header": CSRF_HEADER,
        "device_header": DEVICE_ID_HEADER,
        "photo_field": PHOTO_FIELD,
        "code_max_length": CODE_MAX_LENGTH,
        "words_json": check_in_words_json() if page.open else "{}",
        "status_line": status_line,
        "show_form": _shows_form(viewer, record),
        "errors": dict(errors or {}),
        "typed_code": typed_code,
        "no_script_device": no_script_device(),
    }
    return render(request, "check_in.html", context, status_code=status_code, headers=headers)


def _shows_form(viewer: UserRedis | None, record: RecordView | None) -> bool:
    """The check-in form is there for a student without a record that needs no new attempt;
    and for nobody too, inside the hidden check-in section, so that the script's login
    leads straight to it."""
    if viewer is None:
        return True
    return viewer.role == Role.STUDENT and (record is None or record.may_retry)


def no_script_device() -> str:
    """Why a lesson with the device check cannot take a check-in without the script."""
    return _(
        "This lesson checks the phone you check in with, and that needs JavaScript. "
        "Turn JavaScript on in your browser and reload this page."
    )
