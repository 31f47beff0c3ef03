"""One ASGI middleware that watches every HTTP request: it times the request once, captures
its status once, and hands both to its observers, the access log line
(:class:`attn.logging_setup.AccessLog`) and the HTTP metrics
(:class:`attn.api.http_metrics.HttpMetrics`).

Two middlewares did this work twice on every request (two ``send`` wrappers, two clocks);
the observers keep what each writes apart from the watching they share
(docs/performance.md#one-middleware-for-the-access-log-and-the-metrics).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

RequestObserver = Callable[[Scope, int, float], None]
"""Told of each finished HTTP request: its scope, status and seconds from arrival to the end
of the answer. Must not raise (it runs in a ``finally``, after the answer is sent)."""


class RequestObserverMiddleware:
    """Times each HTTP request and tells ``observers`` in order (pure ASGI: streamed answers
    are not buffered).

    The status is the one the app started its answer with, 500 when it raised or was
    cancelled (a client gone) before starting one, as the server's error page says then.
    The observers are told in every case, and the exception still propagates.
    """

    def __init__(self, app: ASGIApp, observers: Sequence[RequestObserver]) -> None:
        self.app = app
        self.observers = tuple(observers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_watch)
        finally:
            seconds = time.perf_counter() - started
            for observe in self.observers:
                observe(scope, status, seconds)
