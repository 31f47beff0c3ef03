"""POST /api/v1/attendances/{id}/scan: the check-in page keeps the code of its QR link as a
ticket before the student logs in (docs/security.md#scan-tickets)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Path, status

from attn.api.checkin.openapi import DEVICE_ID_DESCRIPTION
from attn.api.deps import ClientAddress, ClockDep, RedisDep, RuntimeDep, SettingsDep
from attn.api.errors import error_responses
from attn.models.api_checkin import ScanIn, ScanTicketOut
from attn.services.checkin import scan as scans
from attn.services.security.devices import DEVICE_ID_HEADER

router = APIRouter(tags=["attendances"])

AttendanceId = Annotated[UUID, Path(description="The attendance's UUID.")]
DeviceHeader = Annotated[
    str | None, Header(alias=DEVICE_ID_HEADER, description=DEVICE_ID_DESCRIPTION)
]


@router.post(
    "/{attendance_id}/scan",
    status_code=status.HTTP_201_CREATED,
    response_model=ScanTicketOut,
    responses=error_responses(404, 409, 422, 429),
)
async def scan(
    attendance_id: AttendanceId,
    body: ScanIn,
    runtime: RuntimeDep,
    redis: RedisDep,
    settings: SettingsDep,
    address: ClientAddress,
    clock: ClockDep,
    device_id: DeviceHeader = None,
) -> ScanTicketOut:
    """Keep the code of a QR scan for the check-in after the login (no login needed)."""
    sessions = runtime.sessionmaker
    issued = await scans.scan(
        redis, sessions, settings, attendance_id, body.code, device_id, address, clock.now()
    )
    return ScanTicketOut(scan_ticket=issued.ticket, expires_at=issued.expires_at)
