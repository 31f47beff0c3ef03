"""What the live list's and the projector's pages share: who may open them, the
attendance id of their path, their paths, and the data their scripts read."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends

from attn.api.deps import CSRF_HEADER
from attn.errors import AttendanceNotFound
from attn.models import Role, UserRedis
from attn.web import i18n
from attn.web.context import viewer_with_role

Staff = Annotated[UserRedis, Depends(viewer_with_role(Role.TEACHER, Role.ADMIN))]
"""A teacher (their own attendances) or an admin (any); the services check which."""


def attendance_uuid(value: str) -> UUID:
    """The path's attendance id; anything that is no UUID is an attendance nobody has (the
    404 page, not a validation error)."""
    try:
        return UUID(value)
    except ValueError:
        raise AttendanceNotFound(f"no attendance {value[:64]!r}") from None


def live_path(attendance_id: UUID) -> str:
    """The live list (this module's pages link to each other by these)."""
    return f"/teacher/attendances/{attendance_id}/live"


def projector_path(attendance_id: UUID) -> str:
    return f"/teacher/attendances/{attendance_id}/projector"


def past_path(attendance_id: UUID) -> str:
    """The attendance's page once it is closed (the teacher pages' ``/teacher/attendances/
    {id}``): where the live list and its actions send a closed or stored attendance."""
    return f"/teacher/attendances/{attendance_id}"


def channel_data(attendance_id: UUID, last_event_id: str | None) -> dict[str, Any]:
    """What a page's script needs to follow the live channel and call the API."""
    page = i18n.current()
    return {
        "attendance_id": str(attendance_id),
        "api": f"/api/v1/attendances/{attendance_id}",
        "events": f"/api/v1/attendances/{attendance_id}/events",
        "last_event_id": last_event_id,
        "csrf_header": CSRF_HEADER,
        "language": page.language,
        "zone": page.zone.key,
    }
