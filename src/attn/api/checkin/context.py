"""The check-in route's one dependency: who checks in, with what, and when.

The busiest route of a lecture's first minutes resolves one dependency, which takes only
the request, instead of a tree of ten (caller, role, settings, runtime, client address,
attempt, verifier, clock, bearer scheme, device header): FastAPI pays for every dependency
and parameter it resolves on every request (what the tree cost:
docs/performance.md#one-dependency). The steps are the shared ones of :mod:`attn.api.deps`
and :mod:`attn.api.checkin.body`, in the order session, role, rate limits, body; the
session, the limits and the lesson are one Redis round trip
(:func:`attn.services.checkin.admission.admit`). The bearer token and the ``X-Device-Id``
header are read here, so the route declares them to OpenAPI itself
(:data:`CHECK_IN_OPENAPI`), exactly as FastAPI would have from parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request

from attn.api.checkin.body import read_check_in
from attn.api.deps import (
    accept_caller,
    bearer_scheme,
    ensure_role,
    request_client_address,
    request_token,
)
from attn.models import LessonRedis, Role, UserRedis
from attn.runtime import Runtime
from attn.services.checkin.admission import admit
from attn.services.security.checkin_checks import CheckInAttempt
from attn.services.security.devices import DEVICE_ID_HEADER


@dataclass(frozen=True)
class CheckInContext:
    runtime: Runtime
    student: UserRedis
    attempt: CheckInAttempt
    lesson: LessonRedis | None
    now: datetime


async def get_check_in_context(request: Request) -> CheckInContext:
    """The logged-in student (401, 403 ``wrong_role``) within the rate limits (429) and the
    attempt as sent (411, 413, 415, 422), read at the clock's current instant; the lesson
    comes with the session, in one round trip (:func:`admit`)."""
    runtime: Runtime = request.app.state.runtime
    settings = runtime.settings
    token, by_cookie = request_token(request, await bearer_scheme(request))
    client_ip = request_client_address(request, settings)
    aid, at = _attendance_id(request), runtime.clock.now()
    admission = await admit(runtime.redis_client, settings, token, client_ip, aid, at)
    accept_caller(request, settings, admission.user, by_cookie=by_cookie)
    student = ensure_role(admission.user, Role.STUDENT)
    if admission.over_limit is not None:
        raise admission.over_limit
    device_id = request.headers.get(DEVICE_ID_HEADER)
    attempt = await read_check_in(request, settings, client_ip, device_id)
    return CheckInContext(
        runtime=runtime,
        student=student,
        attempt=attempt,
        lesson=admission.lesson,
        now=runtime.clock.now(),
    )


def _attendance_id(request: Request) -> UUID | None:
    """The path's attendance id, None if it is not a UUID (the route then answers 422
    once the caller is known, as every route does)."""
    try:
        return UUID(str(request.path_params["attendance_id"]))
    except (KeyError, ValueError):
        return None


CheckInContextDep = Annotated[CheckInContext, Depends(get_check_in_context)]
