"""/api/v1/attendances/{id}/code, /code.svg, /devices: the teacher's check-in security views.

Owner or admin only (students get 403 ``wrong_role``, other teachers 403
``not_your_attendance``). The code is in no other response of the API.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from attn.api.attendances import AttendanceId
from attn.api.deps import ClockDep, CurrentStaff, RedisDep, SessionDep, SettingsDep
from attn.api.errors import error_responses
from attn.models.api_checkin import CodeOut, SharedDevicesOut
from attn.services.attendance import classroom

router = APIRouter(tags=["check-in security"])

SVG_MEDIA = "image/svg+xml"
NO_STORE = {"Cache-Control": "no-store"}
"""The code changes every few seconds and must not linger in a cache."""
CODE_ERRORS = error_responses(401, 403, 404, 409, 422)


@router.get("/{attendance_id}/code", response_model=CodeOut, responses=CODE_ERRORS)
async def current_code(
    attendance_id: AttendanceId,
    user: CurrentStaff,
    response: Response,
    redis: RedisDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> CodeOut:
    """The check-in code in force, seconds until it changes, and the check-in link."""
    shown = await classroom.current_code(redis, session, settings, user, attendance_id, clock.now())
    response.headers.update(NO_STORE)
    return CodeOut(
        code=shown.code,
        seconds_until_change=round(shown.seconds_until_change, 3),
        step_seconds=shown.step_seconds,
        checkin_url=shown.url,
    )


@router.get(
    "/{attendance_id}/code.svg",
    response_class=Response,
    responses={200: {"content": {SVG_MEDIA: {}}, "description": "QR code (SVG)"}, **CODE_ERRORS},
)
async def current_code_qr(
    attendance_id: AttendanceId,
    user: CurrentStaff,
    redis: RedisDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> Response:
    """A QR code (SVG) of the check-in link with the code in force."""
    shown = await classroom.current_code(redis, session, settings, user, attendance_id, clock.now())
    return Response(content=shown.qr_svg, media_type=SVG_MEDIA, headers=NO_STORE)


@router.get(
    "/{attendance_id}/devices",
    response_model=SharedDevicesOut,
    responses=error_responses(401, 403, 404, 422),
)
async def shared_devices(
    attendance_id: AttendanceId, user: CurrentStaff, redis: RedisDep, session: SessionDep
) -> SharedDevicesOut:
    """Devices several students tried to check in with (the device check), holder first."""
    return await classroom.shared_devices(redis, session, user, attendance_id)
