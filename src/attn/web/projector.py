"""The projector: ``/teacher/attendances/{id}/projector``, the screen the lecture hall reads.

The page shows the QR code and the code in force, the lesson, the count of students checked
in and the time left. Its script (``static/js/projector.js``) asks ``.../projector/code``
for the next QR code when the server says the code changes, counts down from the seconds
the server gave, and follows the live channel for the counter. Without the script the page
refreshes itself when the code changes (a ``<meta http-equiv="refresh">`` in
``<noscript>``). A closed attendance shows its final count and no code.
"""

from __future__ import annotations

import base64
import math

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from attn.api.deps import ClockDep, RedisDep, SessionDep, SettingsDep
from attn.services.attendance import projector
from attn.services.courses import catalogue
from attn.web.live_common import Staff, attendance_uuid, channel_data, live_path
from attn.web.templating import render

router = APIRouter(include_in_schema=False)
BASE = "/teacher/attendances/{attendance_id}/projector"
REFRESH_PAD_SECONDS = 1
"""The page without a script reloads this long after the code changed, so it never
reloads just before the change and shows the old code for a whole step."""
NO_STORE = {"Cache-Control": "no-store"}


@router.get(BASE, response_class=HTMLResponse)
async def projector_page(
    request: Request,
    attendance_id: str,
    viewer: Staff,
    redis: RedisDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> Response:
    """The projector of an attendance: its QR code while it takes check-ins."""
    aid = attendance_uuid(attendance_id)
    now = clock.now()
    view = await projector.projector_view(redis, session, viewer, aid, now)
    shown = None
    if view.live:
        shown = await projector.projector_code(redis, session, settings, viewer, aid, now)
    context = {
        "view": view,
        "course_code": await catalogue.course_code(session, view.course_id),
        "shown": shown,
        "qr_src": _data_url(shown.qr_svg) if shown else "",
        "refresh": _refresh_seconds(shown),
        "left_text": clock_text(view.seconds_left),
        "list_url": live_path(aid),
        "script_data": {
            **channel_data(aid, view.last_event_id),
            "code_url": BASE.format(attendance_id=aid) + "/code",
            "checked_in": view.checked_in,
            "seconds_left": view.seconds_left,
            "seconds_until_change": shown.seconds_until_change if shown else None,
        },
    }
    return render(request, "teacher/projector.html", context)


@router.get(BASE + "/code")
async def projector_code(
    attendance_id: str,
    viewer: Staff,
    redis: RedisDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> Response:
    """The projector script's feed: the QR code (an SVG data URL), code and link in force,
    and the seconds to the next code and to the end, from one reading of the server clock.
    Refusals (closed, another teacher's) are error pages: the script then reloads."""
    aid = attendance_uuid(attendance_id)
    shown = await projector.projector_code(redis, session, settings, viewer, aid, clock.now())
    body = {
        "code": shown.code,
        "qr": _data_url(shown.qr_svg),
        "checkin_url": shown.checkin_url,
        "seconds_until_change": shown.seconds_until_change,
        "seconds_left": shown.seconds_left,
    }
    return JSONResponse(body, headers=NO_STORE)


def clock_text(seconds: float) -> str:
    """Seconds as the projector shows them: ``m:ss``, or ``h:mm:ss`` from an hour (the
    script formats its countdown the same way)."""
    whole = max(0, math.ceil(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _data_url(svg: str) -> str:
    """The QR code as an ``<img>`` source: a page's inline SVG could not be swapped without
    markup from a script, and an image keeps its own styles out of the page's CSP."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _refresh_seconds(shown: projector.ProjectorCode | None) -> int | None:
    """When the page without its script reloads: after the code changes, or (no code
    check) every minute for the counter and the time left; never once closed."""
    if shown is None:
        return None
    if shown.seconds_until_change is None:
        return 60
    return math.ceil(shown.seconds_until_change) + REFRESH_PAD_SECONDS
