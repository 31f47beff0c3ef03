"""A teacher answers an excuse request (``/teacher/excuses/{id}``): the request, its note
and file, an approve form (optional note) and a decline form (reason required), posted to
the services behind ``POST /api/v1/excuses/{id}/approve|decline``; back to the past
attendance's page with a notice, or the page again saying what is wrong."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, TypeAdapter, ValidationError

from attn.errors import AttendanceDeleted
from attn.excuse_errors import ExcuseDecided, ExcuseNotFound
from attn.models import UserRedis
from attn.models.types import Reason
from attn.services.excuses import access, decisions
from attn.web.excuse_words import excuse_error_text, excuse_status_text
from attn.web.i18n import gettext as _
from attn.web.messages import error_text
from attn.web.teacher.common import (
    FieldErrors,
    Services,
    ServicesDep,
    StaffViewer,
    attendance_url,
    check_form,
    render_page,
)

router = APIRouter(include_in_schema=False)
EXCUSE_PATH = "/teacher/excuses/{excuse_id}"
REASON: TypeAdapter[str] = TypeAdapter(Reason)


class DecisionFields(BaseModel):
    csrf_token: str = ""
    reason: str = ""


def _excuse_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise ExcuseNotFound("no such excuse request") from None


@router.get(EXCUSE_PATH, response_class=HTMLResponse)
async def excuse_page(
    request: Request, excuse_id: str, viewer: StaffViewer, services: ServicesDep
) -> Response:
    """The request with its forms (404, 403 as error pages)."""
    return await _page(request, services, viewer, _excuse_id(excuse_id), "", {})


@router.post(EXCUSE_PATH + "/approve", response_class=HTMLResponse)
async def approve(
    request: Request,
    excuse_id: str,
    viewer: StaffViewer,
    services: ServicesDep,
    fields: Annotated[DecisionFields, Form()],
) -> Response:
    """Approve; the record becomes excused."""
    check_form(request, services.settings, viewer, fields.csrf_token)
    eid = _excuse_id(excuse_id)
    reason = fields.reason.strip() or None
    errors: FieldErrors = {}
    if reason is not None and not _valid(reason):
        errors = {"": _("Give the reason, at most 500 characters.")}
    else:
        try:
            done = await decisions.approve(services.session, viewer, eid, reason, services.now)
        except (ExcuseDecided, AttendanceDeleted) as error:
            errors = {"": error_text(error.code) or error.message}
        else:
            return _back(done.excuse.attendance_id, "excuse_approved")
    return await _page(request, services, viewer, eid, "", errors, 409)


@router.post(EXCUSE_PATH + "/decline", response_class=HTMLResponse)
async def decline(
    request: Request,
    excuse_id: str,
    viewer: StaffViewer,
    services: ServicesDep,
    fields: Annotated[DecisionFields, Form()],
) -> Response:
    """Decline with a reason the student sees."""
    check_form(request, services.settings, viewer, fields.csrf_token)
    eid = _excuse_id(excuse_id)
    reason = fields.reason.strip()
    if not _valid(reason):
        errors = {"decline_reason": _("Give the reason, at most 500 characters.")}
        return await _page(request, services, viewer, eid, fields.reason, errors, 422)
    try:
        done = await decisions.decline(services.session, viewer, eid, reason, services.now)
    except ExcuseDecided as error:
        errors = {"": excuse_error_text(error.code) or error.message}
        return await _page(request, services, viewer, eid, fields.reason, errors, 409)
    return _back(done.excuse.attendance_id, "excuse_declined")


def _valid(reason: str) -> bool:
    try:
        REASON.validate_python(reason)
    except ValidationError:
        return False
    return True


def _back(attendance_id: UUID, done: str) -> Response:
    url = f"{attendance_url(attendance_id)}?done={done}#excuses"
    return RedirectResponse(url, status_code=303)


async def _page(
    request: Request,
    services: Services,
    viewer: UserRedis,
    excuse_id: UUID,
    reason: str,
    errors: FieldErrors,
    status_code: int = 200,
) -> Response:
    item = await access.may_decide(services.session, viewer, excuse_id)
    context = {
        "item": item,
        "reason": reason,
        "errors": errors,
        "excuse_status_text": excuse_status_text,
    }
    return render_page(
        request, "teacher/excuse.html", context, status_code=status_code if errors else 200
    )
