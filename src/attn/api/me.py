"""/api/v1/me: the caller's own data."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from attn.api.deps import ClockDep, CurrentUser, RedisDep, SessionDep
from attn.api.errors import error_responses
from attn.models.api_attendances import MyAttendancePage, PageQuery
from attn.services.checkin import mine

router = APIRouter(tags=["me"])


@router.get("/attendance", response_model=MyAttendancePage, responses=error_responses(401, 422))
async def my_attendance(
    query: Annotated[PageQuery, Query()],
    user: CurrentUser,
    redis: RedisDep,
    session: SessionDep,
    clock: ClockDep,
) -> MyAttendancePage:
    """The caller's own attendance records, live ones first, then the archive."""
    return await mine.my_history(redis, session, user, query, clock.now())
