"""Liveness and readiness probes (served at the root, outside ``/api/v1``)."""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from attn.api.deps import RuntimeDep
from attn.db.sql.engine import ping as ping_database

router = APIRouter(tags=["operations"])
PROBE_TIMEOUT_S = 2.0

ComponentState = Literal["ok", "down"]


class HealthOut(BaseModel):
    status: Literal["ok"] = "ok"


class ReadyOut(BaseModel):
    """``degraded``: Redis answers (check-ins work) but the database does not."""

    status: Literal["ok", "degraded", "down"]
    redis: ComponentState
    database: ComponentState


@router.get("/health", response_model=HealthOut)
async def health() -> HealthOut:
    """The process is alive."""
    return HealthOut()


@router.get("/ready", response_model=ReadyOut, responses={503: {"model": ReadyOut}})
async def ready(runtime: RuntimeDep) -> JSONResponse:
    """200 while Redis answers (live check-ins need only Redis); the database is reported apart."""
    redis_ok, database_ok = await asyncio.gather(
        _redis_answers(runtime), ping_database(runtime.engine)
    )
    if not redis_ok:
        status: Literal["ok", "degraded", "down"] = "down"
    else:
        status = "ok" if database_ok else "degraded"
    body = ReadyOut(
        status=status,
        redis="ok" if redis_ok else "down",
        database="ok" if database_ok else "down",
    )
    return JSONResponse(status_code=200 if redis_ok else 503, content=body.model_dump())


async def _redis_answers(runtime: RuntimeDep) -> bool:
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_S):
            return bool(await runtime.redis.ping())
    except Exception:
        return False
