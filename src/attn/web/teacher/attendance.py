"""One attendance at ``/teacher/attendances/{id}``: the past-attendance page once it is
stored (its records from SQL, counts per status, links to correct and delete), the live
page while it is live (:mod:`attn.web.teacher.live`), and its CSV export.

The export is a page route rather than a link to the JSON API's so that a refusal (another
teacher's attendance, an unknown id) is an error page in the viewer's language.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from attn.models import Role
from attn.services.attendance import export, overview
from attn.services.courses import catalogue
from attn.services.excuses import lists as excuse_lists
from attn.web.excuse_words import excuse_done_text, excuse_status_text
from attn.web.i18n import gettext as _
from attn.web.teacher.common import ServicesDep, StaffViewer, attendance_id_of, render_page
from attn.web.teacher.live import live_attendance_page

router = APIRouter(include_in_schema=False)
CSV_MEDIA = "text/csv; charset=utf-8"


def done_text(done: str) -> str:
    """The notice after a change (the redirect names what was done)."""
    return {
        "record_saved": _("The check-in was changed."),
        "record_deleted": _("The check-in was deleted."),
        "deleted": _("The attendance was deleted. It no longer appears in your history."),
    }.get(done) or excuse_done_text(done)


@router.get("/teacher/attendances/{attendance_id}", response_class=HTMLResponse)
async def attendance_page(
    request: Request,
    attendance_id: str,
    viewer: StaffViewer,
    services: ServicesDep,
    done: str = "",
) -> Response:
    """The past attendance (stored), or the live page while it is live."""
    aid = attendance_id_of(attendance_id)
    found = await overview.attendance_overview(
        services.redis, services.session, viewer, aid, services.now
    )
    if not isinstance(found, overview.StoredAttendance):
        return await live_attendance_page(request, viewer, services, found)
    excuses = await excuse_lists.for_attendance(services.session, viewer, aid, None)
    context = {
        "stored": found,
        "attendance": found.attendance,
        "course_code": await catalogue.course_code(services.session, found.attendance.course_id),
        "notice": done_text(done),
        "excuse_items": excuses,
        "excuse_status_text": excuse_status_text,
        # a co-teacher corrects the records; deleting stays the teacher's (or an admin's)
        "may_delete": viewer.role is Role.ADMIN
        or viewer.user_number == found.attendance.teacher_number,
    }
    return render_page(request, "teacher/attendance.html", context)


@router.get("/teacher/attendances/{attendance_id}/export.csv")
async def export_csv(attendance_id: str, viewer: StaffViewer, services: ServicesDep) -> Response:
    """The records as the API's CSV (UTF-8 with BOM, local times), as a download."""
    aid = attendance_id_of(attendance_id)
    csv_file = await export.export_csv(
        services.redis, services.session, viewer, aid, zone=services.settings.zone
    )
    return Response(
        content=csv_file.content,
        media_type=CSV_MEDIA,
        headers={"Content-Disposition": csv_file.content_disposition, "Cache-Control": "no-store"},
    )
