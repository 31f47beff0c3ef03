"""The check-in route's one dependency: who checks in, with what, and when.

The busiest route of a lecture's first minutes resolves one dependency instead of a tree
of ten (caller, role, settings, runtime, client address, attempt, verifier, clock): FastAPI
pays for every dependency it resolves on every request, and resolving that tree was about
a third of a check-in's CPU. The steps are the shared ones of :mod:`attn.api.deps` and
:mod:`attn.api.checkin_input`, in the order the tree ran them (session, role, body), so
the answers do not change. ``bearer_scheme``, ``get_clock`` and the ``X-Device-Id`` header
stay declared as parameters: they document the route in OpenAPI, and tests override
``get_clock``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from attn.api.checkin_input import DeviceIdHeader, read_check_in
from attn.api.deps import (
    BearerCredentials,
    ClockDep,
    authenticate_request,
    ensure_role,
    request_client_address,
)
from attn.models import Role, UserRedis
from attn.runtime import Runtime
from attn.services.security.checkin_checks import CheckInAttempt


@dataclass(frozen=True)
class CheckInContext:
    runtime: Runtime
    student: UserRedis
    attempt: CheckInAttempt
    now: datetime


async def get_check_in_context(
    request: Request,
    credentials: BearerCredentials,
    clock: ClockDep,
    device_id: DeviceIdHeader = None,
) -> CheckInContext:
    """The logged-in student (401, 403 ``wrong_role``) and the attempt as sent (411, 413,
    415, 422), read at the clock's current instant."""
    runtime: Runtime = request.app.state.runtime
    settings = runtime.settings
    user = await authenticate_request(request, runtime.redis_client, settings, credentials)
    student = ensure_role(user, Role.STUDENT)
    client_ip = request_client_address(request, settings)
    attempt = await read_check_in(request, settings, client_ip, device_id)
    return CheckInContext(runtime=runtime, student=student, attempt=attempt, now=clock.now())


CheckInContextDep = Annotated[CheckInContext, Depends(get_check_in_context)]
