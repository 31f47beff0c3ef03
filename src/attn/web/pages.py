"""The check-in page behind the teacher's QR code: ``/check-in/{attendance_id}?code=...``.

Plain HTML from a Jinja2 template (autoescaped) with a little script: it keeps the QR
link's code as a scan ticket (``POST /api/v1/attendances/{id}/scan``) so the login may
outlast the code, logs the student in through ``POST /api/v1/auth/login`` (the session
lives in the HttpOnly cookie that sets; the page stores nothing of it), keeps a random
device id in local storage for the device check, shows the record already there, and posts
the check-in to the API like any other client, retrying while the connection is down. Its
sentences come in the page's language (:mod:`attn.web.check_in_words`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from attn.api.cookies import CSRF_COOKIE
from attn.api.deps import CSRF_HEADER, ClockDep, RedisDep, SessionDep
from attn.services.checkin.page import check_in_page
from attn.services.security.devices import DEVICE_ID_HEADER
from attn.services.security.face import PHOTO_FIELD
from attn.web.check_in_words import check_in_words
from attn.web.context import Viewer
from attn.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/check-in/{attendance_id}", response_class=HTMLResponse)
async def check_in(
    request: Request,
    attendance_id: str,
    redis: RedisDep,
    session: SessionDep,
    clock: ClockDep,
    _: Viewer,
) -> HTMLResponse:
    """The student's check-in page (404 page for an unknown or deleted attendance)."""
    page = await check_in_page(redis, session, attendance_id, clock.now())
    if page is None:
        return render(request, "not_found.html", status_code=404)
    context = {
        "page": page,
        "csrf_cookie": CSRF_COOKIE,
        "csrf_header": CSRF_HEADER,
        "device_header": DEVICE_ID_HEADER,
        "photo_field": PHOTO_FIELD,
        "words": check_in_words() if page.open else {},
    }
    return render(request, "check_in.html", context)
