"""Deleting a whole attendance: a page of its own that asks for the reason and a
confirmation (a destructive step is never one click), live or stored alike.

The attendance is soft-deleted (kept, with the reason, for its teacher and admins) by the
service behind ``DELETE /api/v1/attendances/{id}``; the page then shows it deleted.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, TypeAdapter, ValidationError

from attn.errors import AttendanceDeleted
from attn.models import UserRedis
from attn.models.api_attendances import AttendanceOut
from attn.models.types import Reason
from attn.services.attendance import manage, overview
from attn.web.i18n import gettext as _
from attn.web.messages import error_text
from attn.web.teacher.common import (
    FieldErrors,
    Services,
    ServicesDep,
    StaffViewer,
    attendance_id_of,
    attendance_url,
    check_form,
    render_page,
)

router = APIRouter(include_in_schema=False)
REASON: TypeAdapter[str] = TypeAdapter(Reason)


class DeleteFields(BaseModel):
    csrf_token: str = ""
    reason: str = ""
    confirm: str = ""


@router.get("/teacher/attendances/{attendance_id}/delete", response_class=HTMLResponse)
async def delete_form(
    request: Request, attendance_id: str, viewer: StaffViewer, services: ServicesDep
) -> Response:
    """Asks for the reason and the confirmation."""
    attendance = await _attendance(services, viewer, attendance_id)
    return _page(request, attendance, DeleteFields(), {})


@router.post("/teacher/attendances/{attendance_id}/delete", response_class=HTMLResponse)
async def delete_attendance(
    request: Request,
    attendance_id: str,
    viewer: StaffViewer,
    services: ServicesDep,
    fields: Annotated[DeleteFields, Form()],
) -> Response:
    """Delete with the reason once confirmed; else the form again, saying what is missing."""
    check_form(request, services.settings, viewer, fields.csrf_token)
    aid = attendance_id_of(attendance_id)
    reason, errors = _read(fields)
    status = 422
    if reason is not None:
        try:
            await manage.delete_attendance(
                services.redis, services.session, viewer, aid, reason, services.now
            )
        except AttendanceDeleted as error:
            errors, status = {"": error_text(error.code) or ""}, error.status
        else:
            return RedirectResponse(attendance_url(aid) + "?done=deleted", status_code=303)
    attendance = await _attendance(services, viewer, attendance_id)
    return _page(request, attendance, fields, errors, status_code=status)


async def _attendance(services: Services, viewer: UserRedis, attendance_id: str) -> AttendanceOut:
    found = await overview.attendance_overview(
        services.redis, services.session, viewer, attendance_id_of(attendance_id), services.now
    )
    return found.attendance if isinstance(found, overview.StoredAttendance) else found


def _read(fields: DeleteFields) -> tuple[str | None, FieldErrors]:
    """The cleaned reason once confirmed, else what is missing."""
    errors: FieldErrors = {}
    reason: str | None = None
    try:
        reason = REASON.validate_python(fields.reason)
    except ValidationError:
        errors["reason"] = _("Give the reason, at most 500 characters.")
    if not fields.confirm:
        errors["confirm"] = _("Tick the box to confirm the deletion.")
    return (None, errors) if errors else (reason, errors)


def _page(
    request: Request,
    attendance: AttendanceOut,
    fields: DeleteFields,
    errors: FieldErrors,
    *,
    status_code: int = 200,
) -> Response:
    context = {"attendance": attendance, "fields": fields, "errors": errors}
    return render_page(request, "teacher/delete.html", context, status_code=status_code)
