"""A live attendance at ``/teacher/attendances/{id}``: the live list while check-ins are
taken, else (finished or ended, not yet stored) a short page saying it is being saved.

The route (:mod:`attn.web.teacher.attendance`) decides where an attendance is: a stored one
gets the past-attendance page, a live one this function. The live list (:mod:`attn.web.
live_list`) sends every attendance outside :data:`LIVE_STATES` back here, so only those go
there: no redirect loop.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from attn.models import UserRedis
from attn.models.api_attendances import AttendanceOut
from attn.services.attendance.live_list import LIVE_STATES
from attn.services.courses import catalogue
from attn.web.teacher.common import Services, render_page


async def live_attendance_page(
    request: Request, viewer: UserRedis, services: Services, attendance: AttendanceOut
) -> Response:
    """The page of ``attendance`` while it is live (``source == "live"``); ``viewer`` may
    manage it (checked by the service that found it)."""
    if attendance.state in LIVE_STATES:
        return RedirectResponse(f"/teacher/attendances/{attendance.attendance_id}/live", 303)
    code = await catalogue.course_code(services.session, attendance.course_id)
    context = {"attendance": attendance, "course_code": code}
    return render_page(request, "teacher/finished_live.html", context)
