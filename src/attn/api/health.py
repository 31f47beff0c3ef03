"""Liveness and readiness probes (served at the root, outside ``/api/v1``)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from attn.api.deps import RuntimeDep
from attn.db.sql.engine import ping as ping_database
from attn.runtime import Runtime

router = APIRouter(tags=["operations"])
PROBE_TIMEOUT_S = 0.5
"""Each probe's answer time: ``/ready`` answers within it (under a probe's usual 1 s
timeout) however the database or Redis hangs."""

LATE_REDIS_PROBE_S = 2.0
"""How long a late Redis ping may go on in the background before it gives up."""

_pending: dict[tuple[str, int], asyncio.Task[bool]] = {}
"""Probes that missed their time, still running in the background (one per part and
runtime): a hung server is reported down at once instead of stacking up more probes."""

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
    redis_ok, database_ok = await probe(runtime)
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


async def probe(runtime: Runtime) -> tuple[bool, bool]:
    """Whether Redis and the database answer, within :data:`PROBE_TIMEOUT_S` (``/ready``,
    and ``/metrics``' ``attn_redis_up`` and ``attn_database_up``)."""
    redis_ok, database_ok = await asyncio.gather(
        _within("redis", runtime, _redis_answers(runtime)),
        _within(
            "database",
            runtime,
            # the engine's own timeouts end a hung ping cleanly first; this is the backstop
            ping_database(runtime.engine, seconds=3 * runtime.settings.database_statement_timeout),
        ),
    )
    return redis_ok, database_ok


async def settle_probes() -> None:
    """Wait for the late probes still running (tests, before they close the runtime)."""
    await asyncio.gather(*_pending.values(), return_exceptions=True)


async def _within(part: str, runtime: Runtime, probe: Coroutine[Any, Any, bool]) -> bool:
    """``probe``'s answer if it comes within :data:`PROBE_TIMEOUT_S`, else False.

    A late probe is left to finish in the background rather than cancelled and awaited:
    cleaning up a connection to a frozen server can itself hang (that made ``/ready``
    take 4 s). Its own timeout (the statement timeout) still ends it.
    """
    key = (part, id(runtime))
    if key in _pending:  # the last probe has not come back yet: still hung
        probe.close()
        return False
    task = asyncio.ensure_future(probe)
    done, _ = await asyncio.wait({task}, timeout=PROBE_TIMEOUT_S)
    if task in done:
        return not task.cancelled() and task.exception() is None and task.result()
    _pending[key] = task
    task.add_done_callback(lambda _: _pending.pop(key, None))
    return False


async def _redis_answers(runtime: Runtime) -> bool:
    try:
        async with asyncio.timeout(LATE_REDIS_PROBE_S):
            return bool(await runtime.redis.ping())
    except Exception:
        return False
