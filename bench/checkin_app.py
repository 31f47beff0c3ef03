"""The ATTN app plus one bare endpoint for the check-in benchmark's baseline.

``/bench/redis-get`` runs in the same stack (uvicorn, FastAPI, the same Redis client) and
does exactly one Redis GET: the ceiling a check-in endpoint is measured against.
"""

from __future__ import annotations

from fastapi import FastAPI

from attn.api.deps import RuntimeDep
from attn.app import create_app

PROBE_KEY = "attn:bench:probe"


def create_bench_app() -> FastAPI:
    app = create_app()

    @app.get("/bench/redis-get", include_in_schema=False)
    async def redis_get(runtime: RuntimeDep) -> dict[str, str | None]:
        value = await runtime.redis.get(PROBE_KEY)
        return {"value": value if value is None else str(value)}

    return app
