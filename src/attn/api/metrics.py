"""Prometheus metrics endpoint (root level, like the probes)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

router = APIRouter(tags=["operations"])


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
async def metrics() -> Response:
    """Prometheus metrics of this process (persistence job, requests)."""
    return Response(content=generate_latest(), media_type=CONTENT_TYPE_LATEST)
