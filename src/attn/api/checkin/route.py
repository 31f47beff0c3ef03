"""POST /api/v1/attendances/{id}/check-in: the route a lecture hall sends all at once.

Its router is included before every other one (see :mod:`attn.api.v1`) because FastAPI
tries routes in declaration order, and trying the others first was a sizeable share of its
CPU (docs/performance.md#routing-order). Its path shadows none of them.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Response, status

from attn.api.checkin.context import CheckInContextDep
from attn.api.checkin.openapi import CHECK_IN_OPENAPI, CHECK_IN_RESPONSES
from attn.models.api_attendances import RecordOut
from attn.services.checkin import check_in as checkin

router = APIRouter(tags=["attendances"])

AttendanceId = Annotated[UUID, Path(description="The attendance's UUID.")]
JSON_MEDIA = "application/json"


@router.post(
    "/{attendance_id}/check-in",
    status_code=status.HTTP_201_CREATED,
    response_model=RecordOut,
    responses=CHECK_IN_RESPONSES,
    openapi_extra=CHECK_IN_OPENAPI,
)
async def check_in(attendance_id: AttendanceId, context: CheckInContextDep) -> Response:
    """Check in (students): 201 with the new record, rejected with fail_reason if a check failed."""
    # No request transaction here: the hot path touches only Redis; the database is read
    # (in a session of its own) only to explain why an unknown id takes no check-in. The
    # record comes back as JSON already (RecordOut's fields), so it is sent as it is.
    runtime = context.runtime
    outcome = await checkin.check_in(
        runtime.redis_client,
        runtime.sessionmaker,
        runtime.settings,
        context.student,
        attendance_id,
        context.attempt,
        context.lesson,
        verifier=runtime.face_verifier,
        now=context.now,
    )
    code = status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
    return Response(content=outcome.record_json, status_code=code, media_type=JSON_MEDIA)
