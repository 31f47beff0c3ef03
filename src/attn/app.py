"""The FastAPI application: built by :func:`create_app`, clients owned by the lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from attn import __version__
from attn.api.body_limit import BodyLimitMiddleware, check_in_body_limit, route_body_limits
from attn.api.docs import OPENAPI_PATH
from attn.api.docs import router as docs_router
from attn.api.errors import install_error_handlers
from attn.api.health import router as health_router
from attn.api.http_metrics import HttpMetrics
from attn.api.metrics import router as metrics_router
from attn.api.metrics_export import process_exiting
from attn.api.request_observer import RequestObserverMiddleware
from attn.api.v1 import router as v1_router
from attn.config import Settings, get_settings
from attn.logging_setup import AccessLog, install_redaction
from attn.persistence.worker import run_worker
from attn.runtime import Runtime
from attn.web import router as web_router
from attn.web.errors import body_refusal, install_page_errors
from attn.web.headers import SecurityHeadersMiddleware


def freeze_startup_heap() -> None:
    """Keep what start-up built (modules, the app, its models) out of the garbage
    collector's full collections, once per process.

    Under load, the objects of requests in flight outlive the young generations, so full
    collections come every second or so; each one walked the whole heap, with every request
    of the process waiting: the p99 of the check-in benchmark was mostly these pauses
    (docs/performance.md#garbage-collection-pauses). Frozen objects are still freed by
    reference counting; only a cycle among them is never collected, which objects alive
    from start to exit do not need.
    """
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()


def _lifespan_for(settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The app's lifespan: the runtime (Redis, SQL, the embedded Redis) opened at start-up
    and closed at shutdown, and the persistence job in the background unless disabled."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await Runtime.open(settings, role="api", migrate=settings.auto_migrate)
        app.state.runtime = runtime
        freeze_startup_heap()
        stop = asyncio.Event()
        job: asyncio.Task[None] | None = None
        if settings.persist_enabled:
            job = asyncio.create_task(run_worker(runtime, stop), name="attn-persistence")
        try:
            yield
        finally:
            stop.set()
            if job is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await job
            await runtime.close()
            process_exiting()

    return lifespan


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the lifespan opens Redis/SQL (and the embedded Redis) and closes them."""
    settings = settings or get_settings()
    install_redaction()  # also in uvicorn worker processes, which skip the CLI's set-up
    app = FastAPI(
        title="ATTN",
        version=__version__,
        summary="Class attendance: live check-ins in Redis, every record kept in SQL.",
        lifespan=_lifespan_for(settings),
        openapi_url=OPENAPI_PATH,
        docs_url=None,  # FastAPI's pages load their scripts from a CDN: ours do not
        redoc_url=None,
    )
    install_error_handlers(app)
    install_page_errors(app)  # after the API's: pages get theirs as pages
    app.add_middleware(
        BodyLimitMiddleware,
        default=settings.max_json_body_bytes,
        limits=route_body_limits(),
        check_in=check_in_body_limit(settings),
        refusal=body_refusal,
    )
    app.add_middleware(SecurityHeadersMiddleware)
    # Added last: outermost, so the 413s of the body limit are counted and logged too; one
    # middleware times each request once for both (docs/performance.md, "One middleware").
    app.add_middleware(RequestObserverMiddleware, observers=(HttpMetrics(), AccessLog()))
    app.include_router(docs_router)
    app.include_router(health_router)
    app.include_router(metrics_router)
    app.include_router(v1_router)
    app.include_router(web_router)
    return app
