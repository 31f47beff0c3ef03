"""/api/v1 excuse requests: a student asks (``POST /attendances/{id}/excuses``) and reads
their own; the attendance's or course's teachers and admins list, approve, decline and
download the file. docs/design.md#excuses has the rules."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response, status

from attn.api.deps import (
    ClockDep,
    CurrentStaff,
    CurrentStudent,
    CurrentUser,
    RedisDep,
    SessionDep,
    SettingsDep,
)
from attn.api.errors import error_responses
from attn.api.excuse_upload import read_excuse_form
from attn.models.api_excuses import ApproveIn, DeclineIn, ExcuseList, ExcuseOut, ExcuseStatus
from attn.services.excuses import access, decisions, files, lists, requests

router = APIRouter(tags=["excuses"])

ExcusePath = Annotated[UUID, Path(description="The request's id.")]
StatusQuery = Annotated[ExcuseStatus | None, Query(description="Only requests in this state.")]

_FORM_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "note": {"type": "string", "maxLength": 1000},
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "PDF, JPEG or PNG (by content), at most 5 MiB.",
                        },
                    },
                    "required": ["note"],
                }
            },
            "application/json": {
                "schema": {"type": "object", "properties": {"note": {"type": "string"}}}
            },
        },
    }
}


@router.post(
    "/attendances/{attendance_id}/excuses",
    response_model=ExcuseOut,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 409, 411, 413, 415, 422),
    openapi_extra=_FORM_BODY,
)
async def ask_excuse(
    attendance_id: UUID,
    request: Request,
    student: CurrentStudent,
    redis: RedisDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> ExcuseOut:
    """Ask to be excused for a stored attendance missed or come to late (note, one file)."""
    form = await read_excuse_form(request)
    listed = await requests.ask(
        redis, session, settings, student, attendance_id, form.note, form.upload, clock.now()
    )
    return lists.excuse_out(listed)


@router.get(
    "/attendances/{attendance_id}/excuses",
    response_model=ExcuseList,
    responses=error_responses(401, 403, 404, 422),
)
async def attendance_excuses(
    attendance_id: UUID, user: CurrentStaff, session: SessionDep, status: StatusQuery = None
) -> ExcuseList:
    """The requests for one attendance, newest first (its teachers and admins)."""
    found = await lists.for_attendance(session, user, attendance_id, status)
    return ExcuseList(items=[lists.excuse_out(item) for item in found])


@router.get(
    "/courses/{course_id}/excuses",
    response_model=ExcuseList,
    responses=error_responses(401, 403, 404, 422),
)
async def course_excuses(
    course_id: UUID, user: CurrentStaff, session: SessionDep, status: StatusQuery = None
) -> ExcuseList:
    """The requests for a course's attendances, newest first (its teachers and admins)."""
    found = await lists.for_course(session, user, course_id, status)
    return ExcuseList(items=[lists.excuse_out(item) for item in found])


@router.get("/me/excuses", response_model=ExcuseList, responses=error_responses(401, 403, 422))
async def my_excuses(student: CurrentStudent, session: SessionDep) -> ExcuseList:
    """The caller's own requests and their outcomes, newest first."""
    found = await lists.own(session, student)
    return ExcuseList(items=[lists.excuse_out(item) for item in found])


@router.get(
    "/excuses/{excuse_id}", response_model=ExcuseOut, responses=error_responses(401, 403, 404, 422)
)
async def get_excuse(excuse_id: ExcusePath, user: CurrentUser, session: SessionDep) -> ExcuseOut:
    """One request: its student, or those who decide it."""
    return lists.excuse_out(await access.may_see(session, user, excuse_id))


@router.post(
    "/excuses/{excuse_id}/approve",
    response_model=ExcuseOut,
    responses=error_responses(401, 403, 404, 409, 422),
)
async def approve_excuse(
    excuse_id: ExcusePath, body: ApproveIn, user: CurrentStaff, session: SessionDep, clock: ClockDep
) -> ExcuseOut:
    """Approve: the student's record becomes ``excused`` (audited as a correction)."""
    listed = await decisions.approve(session, user, excuse_id, body.reason, clock.now())
    return lists.excuse_out(listed)


@router.post(
    "/excuses/{excuse_id}/decline",
    response_model=ExcuseOut,
    responses=error_responses(401, 403, 404, 409, 422),
)
async def decline_excuse(
    excuse_id: ExcusePath, body: DeclineIn, user: CurrentStaff, session: SessionDep, clock: ClockDep
) -> ExcuseOut:
    """Decline, with the reason the student will see."""
    listed = await decisions.decline(session, user, excuse_id, body.reason, clock.now())
    return lists.excuse_out(listed)


@router.get(
    "/excuses/{excuse_id}/file",
    response_class=Response,
    responses={
        200: {"content": {t: {} for t in sorted(files.KNOWN_TYPES)}},
        **error_responses(401, 403, 404, 422),
    },
)
async def excuse_file(
    excuse_id: ExcusePath, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """The attached file, as an attachment (its student, those who decide it)."""
    listed = await access.may_see(session, user, excuse_id)
    info, content = await files.download(session, settings, listed)
    return attachment(content, info.name, info.media_type)


def attachment(content: bytes, name: str, media_type: str) -> Response:
    """A download that no browser renders in the page or second-guesses the type of."""
    fallback = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )
