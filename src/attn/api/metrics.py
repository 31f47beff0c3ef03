"""Prometheus metrics endpoint (root level, like the probes), for the allowed scrapers only."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from attn.api.deps import RuntimeDep
from attn.api.errors import error_responses
from attn.api.health import PROBE_TIMEOUT_S, probe
from attn.api.metrics_export import ScrapeFigures, exposition
from attn.persistence.backlog import Backlog, read_backlog
from attn.runtime import Runtime
from attn.services.security.metrics_access import MetricsRequest, check_metrics_access

router = APIRouter(tags=["operations"])
FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}, **error_responses(401, 403)},
)
async def metrics(request: Request, runtime: RuntimeDep) -> Response:
    """Prometheus metrics: requests, logins, check-ins, live channels, persistence, backends."""
    check_metrics_access(runtime.settings, _metrics_request(request))
    figures = await _scrape_figures(runtime)
    return Response(content=exposition(figures), media_type=CONTENT_TYPE_LATEST)


def _metrics_request(request: Request) -> MetricsRequest:
    headers = request.headers
    return MetricsRequest(
        peer=request.client.host if request.client else None,
        forwarded_for=headers.get("x-forwarded-for"),
        forwarded=any(name in headers for name in FORWARDING_HEADERS),
        authorization=headers.get("authorization"),
    )


async def _scrape_figures(runtime: Runtime) -> ScrapeFigures:
    redis_up, database_up = await probe(runtime)
    return ScrapeFigures(redis_up, database_up, await _backlog(runtime) if redis_up else None)


async def _backlog(runtime: Runtime) -> Backlog | None:
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_S):
            return await read_backlog(runtime.redis_client, runtime.clock.now())
    except Exception:  # Redis went away since the probe: the figures are left out
        return None
