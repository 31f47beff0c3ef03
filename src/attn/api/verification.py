"""/api/v1/verification: the outside face verification service's callback.

Not authenticated by a login but by the request's HMAC signature (docs/security.md), and
never rate-limited by ATTN's own limits: results for a whole lecture hall arrive from one
address at once, and dropping one would leave a student ``pending``. Only a size limit
applies, checked before anything is parsed.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Request
from pydantic import BaseModel

from attn.api.deps import ClockDep, RuntimeDep
from attn.api.errors import error_responses
from attn.api.request_body import read_body
from attn.models import RecordStatus
from attn.services.security.face_callback import handle_callback

router = APIRouter(tags=["verification"])

MAX_CALLBACK_BYTES = 64 * 1024
"""A result is a few hundred bytes of JSON; anything far larger is refused unread."""


class CallbackIn(BaseModel):
    """The JSON the service sends (documentation only: the route reads the raw body,
    because the signature covers the exact bytes)."""

    callback_id: str
    attendance_id: UUID
    student_number: str
    result: Literal["match", "mismatch"]
    score: float | None = None


class CallbackApplied(BaseModel):
    """The record after the result was applied."""

    callback_id: str
    attendance_id: UUID
    student_number: str
    status: RecordStatus
    fail_reason: str | None
    stored_in: Literal["redis", "database"]


@router.post(
    "/callback",
    response_model=CallbackApplied,
    responses=error_responses(401, 404, 409, 413, 422, 503),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": CallbackIn.model_json_schema()}},
        }
    },
)
async def verification_callback(
    request: Request, runtime: RuntimeDep, clock: ClockDep
) -> CallbackApplied:
    """Apply a face verification result (signed: X-Attn-Timestamp, X-Attn-Signature)."""
    body = await read_body(request, MAX_CALLBACK_BYTES)
    result = await handle_callback(
        runtime.redis_client,
        runtime.sessionmaker,
        runtime.settings,
        request.headers,
        body,
        clock.now(),
    )
    return CallbackApplied(**asdict(result))
