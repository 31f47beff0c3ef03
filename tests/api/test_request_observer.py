"""One middleware watches every request for the access log and the metrics: each observer is
told the same status and duration, also when the app crashes or the request is cancelled,
and the app has it outermost, once."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from attn.api.request_observer import RequestObserverMiddleware
from tests.helpers.metrics import parse, scrape, value

Told = list[tuple[str, int, float]]


def recorder(told: Told) -> Any:
    def observe(scope: Any, status: int, seconds: float) -> None:
        told.append((scope["path"], status, seconds))

    return observe


class TestRequestObserver:
    async def test_every_observer_is_told_the_same_status_and_duration(self) -> None:
        async def endpoint(request: Request) -> PlainTextResponse:
            return PlainTextResponse("made", status_code=201)

        first: Told = []
        second: Told = []
        inner = Starlette(routes=[Route("/x", endpoint, methods=["POST"])])
        app = RequestObserverMiddleware(inner, [recorder(first), recorder(second)])
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            assert (await client.post("/x")).status_code == 201
        assert first == second
        ((path, status, seconds),) = first
        assert (path, status) == ("/x", 201)
        assert seconds > 0

    async def test_a_crash_is_told_as_500_and_still_raises(self) -> None:
        async def broken(scope: Any, receive: Any, send: Any) -> None:
            raise RuntimeError("boom")

        told: Told = []
        transport = httpx.ASGITransport(app=RequestObserverMiddleware(broken, [recorder(told)]))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            with pytest.raises(RuntimeError):
                await client.get("/y")
        assert [(path, status) for path, status, _ in told] == [("/y", 500)]

    async def test_a_cancelled_request_is_told_too(self) -> None:
        started = asyncio.Event()

        async def waits(scope: Any, receive: Any, send: Any) -> None:
            started.set()
            await asyncio.Event().wait()  # a client that left while the app waited

        told: Told = []
        app = RequestObserverMiddleware(waits, [recorder(told)])

        async def nothing() -> dict[str, Any]:
            return {"type": "http.request"}

        async def ignore(_message: Any) -> None:
            return None

        scope = {"type": "http", "method": "GET", "path": "/live", "headers": []}
        task = asyncio.create_task(app(scope, nothing, ignore))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert [(path, status) for path, status, _ in told] == [("/live", 500)]

    async def test_other_scopes_pass_through_untold(self) -> None:
        seen: list[str] = []

        async def inner(scope: Any, receive: Any, send: Any) -> None:
            seen.append(scope["type"])

        told: Told = []
        app = RequestObserverMiddleware(inner, [recorder(told)])
        await app({"type": "lifespan"}, None, None)  # type: ignore[arg-type]
        assert seen == ["lifespan"]
        assert told == []


class TestInTheApp:
    def test_one_observer_outermost(self, app: FastAPI) -> None:
        classes: list[object] = [middleware.cls for middleware in app.user_middleware]
        assert classes.count(RequestObserverMiddleware) == 1
        assert classes[0] is RequestObserverMiddleware  # the last added: outermost

    async def test_the_log_line_and_the_metrics_give_one_duration(
        self, api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        before = await scrape(api)
        caplog.set_level(logging.INFO, logger="attn.access")
        assert (await api.get("/health")).status_code == 200
        (line,) = [r.getMessage() for r in caplog.records if " GET /health " in r.getMessage()]
        logged = re.search(r" 200 ([0-9.]+)ms ", line)
        assert logged is not None, line
        after = parse((await api.get("/metrics")).text)
        labels = {"method": "GET", "route": "/health"}
        name = "attn_http_request_duration_seconds"
        assert (
            value(after, f"{name}_count", **labels) - value(before, f"{name}_count", **labels) == 1
        )
        seconds = value(after, f"{name}_sum", **labels) - value(before, f"{name}_sum", **labels)
        assert f"{seconds * 1000:.1f}" == logged.group(1)
