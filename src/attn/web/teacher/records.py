"""One record of an attendance: its details, a correction of its status with a reason,
and its deletion with a reason, on a page of its own (``…/records/{student}``).

The services are those behind ``PUT`` and ``DELETE /api/v1/attendances/{id}/records/{n}``:
once stored, every change needs a reason (it rewrites history) and is audited; while
live the reason is optional, so this page serves a live attendance's records as well.
"""

from __future__ import annotations

from typing import Annotated, get_args
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, TypeAdapter, ValidationError

from attn.errors import AttendanceDeleted, InvalidInput, NotAStudent, ReasonRequired, RecordDeleted
from attn.models import UserRedis
from attn.models.api_attendances import ManualStatus, SaveRecordIn
from attn.models.types import Reason
from attn.services.attendance import overview, records
from attn.services.courses import catalogue
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
    student_number_of,
)

router = APIRouter(include_in_schema=False)
RECORD_PATH = "/teacher/attendances/{attendance_id}/records/{student_number}"
MANUAL_STATUSES: tuple[str, ...] = get_args(ManualStatus)
REASON: TypeAdapter[str] = TypeAdapter(Reason)
REFUSED = (AttendanceDeleted, RecordDeleted, NotAStudent)


class RecordFields(BaseModel):
    """Both forms of the page as posted (each sends its own fields)."""

    csrf_token: str = ""
    status: str = ""
    reason: str = ""
    delete_reason: str = ""


@router.get(RECORD_PATH, response_class=HTMLResponse)
async def record_page(
    request: Request,
    attendance_id: str,
    student_number: str,
    viewer: StaffViewer,
    services: ServicesDep,
) -> Response:
    """The record, the correction form (its status chosen) and the deletion form."""
    aid = attendance_id_of(attendance_id)
    student = student_number_of(aid, student_number)
    return await _page(request, services, viewer, aid, student, None, {})


@router.post(RECORD_PATH, response_class=HTMLResponse)
async def correct_record(
    request: Request,
    attendance_id: str,
    student_number: str,
    viewer: StaffViewer,
    services: ServicesDep,
    fields: Annotated[RecordFields, Form()],
) -> Response:
    """Set the record's status with a reason; back to the attendance, or the form again."""
    check_form(request, services.settings, viewer, fields.csrf_token)
    aid = attendance_id_of(attendance_id)
    student = student_number_of(aid, student_number)
    body, errors = _correction(fields)
    status = 422
    if body is not None:
        try:
            await records.save_record(
                services.redis, services.session, viewer, aid, student, body, services.now
            )
        except ReasonRequired:
            errors = {
                "reason": _(
                    "Give a reason: this attendance is stored, so the change rewrites its history."
                )
            }
        except REFUSED as error:
            errors, status = {"": error_text(error.code) or ""}, error.status
        else:
            return _back(aid, student, "record_saved")
    return await _page(request, services, viewer, aid, student, fields, errors, status)


@router.post(RECORD_PATH + "/delete", response_class=HTMLResponse)
async def delete_record(
    request: Request,
    attendance_id: str,
    student_number: str,
    viewer: StaffViewer,
    services: ServicesDep,
    fields: Annotated[RecordFields, Form()],
) -> Response:
    """Delete the record with a reason; back to the attendance, or the form again."""
    check_form(request, services.settings, viewer, fields.csrf_token)
    aid = attendance_id_of(attendance_id)
    student = student_number_of(aid, student_number)
    errors: FieldErrors = {}
    status = 422
    try:
        reason = REASON.validate_python(fields.delete_reason)
    except ValidationError:
        errors = {"delete_reason": _("Give the reason, at most 500 characters.")}
    else:
        try:
            await records.delete_record(
                services.redis, services.session, viewer, aid, student, reason, services.now
            )
        except REFUSED as error:
            errors, status = {"": error_text(error.code) or ""}, error.status
        else:
            return _back(aid, None, "record_deleted")
    return await _page(request, services, viewer, aid, student, fields, errors, status)


def _correction(fields: RecordFields) -> tuple[SaveRecordIn | None, FieldErrors]:
    """The service's request from the form, or its problems (the status first)."""
    errors: FieldErrors = {}
    if fields.status not in MANUAL_STATUSES:
        errors["status"] = _("Choose the status.")
    reason = fields.reason.strip() or None
    try:
        reason = REASON.validate_python(reason) if reason else None
    except ValidationError:
        errors["reason"] = _("Give the reason, at most 500 characters.")
    if errors:
        return None, errors
    try:
        return SaveRecordIn.model_validate({"status": fields.status, "reason": reason}), errors
    except (ValidationError, InvalidInput):
        return None, {"": _("Some of what you entered is not valid.")}


def _back(aid: UUID, student: str | None, done: str) -> Response:
    anchor = f"#record-{student}" if student else "#records"
    return RedirectResponse(f"{attendance_url(aid)}?done={done}{anchor}", status_code=303)


async def _page(
    request: Request,
    services: Services,
    viewer: UserRedis,
    aid: UUID,
    student: str,
    fields: RecordFields | None,
    errors: FieldErrors,
    status_code: int = 422,
) -> Response:
    found = await overview.record_overview(
        services.redis, services.session, viewer, aid, student, services.now
    )
    if fields is None:
        current = found.record.status.value
        fields = RecordFields(status=current if current in MANUAL_STATUSES else "")
    context = {
        "attendance": found.attendance,
        "course_code": await catalogue.course_code(services.session, found.attendance.course_id),
        "record": found.record,
        "fields": fields,
        "errors": errors,
        "statuses": MANUAL_STATUSES,
    }
    status = status_code if errors else 200
    return render_page(request, "teacher/record.html", context, status_code=status)
