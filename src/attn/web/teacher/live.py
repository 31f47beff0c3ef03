"""The page of a live attendance at ``/teacher/attendances/{id}``: a placeholder.

The route (:mod:`attn.web.teacher.attendance`) decides where an attendance is: a stored
one gets the past-attendance page, a live one this function. The live list (records as
they arrive, accept and reject) replaces the body of :func:`live_attendance_page`; until
then it says the attendance is live and links to its projector.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from attn.models import UserRedis
from attn.models.api_attendances import AttendanceOut
from attn.web.teacher.common import Services, render_page


async def live_attendance_page(
    request: Request, viewer: UserRedis, services: Services, attendance: AttendanceOut
) -> HTMLResponse:
    """The page of ``attendance`` while it is live (``source == "live"``); ``viewer`` may
    manage it (checked by the service that found it)."""
    return render_page(request, "teacher/live.html", {"attendance": attendance})
