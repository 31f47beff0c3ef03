"""What the metrics add to one check-in, measured alone (CPU time per call).

The request observer (``api/request_observer.py``) with the HTTP metrics
(``api/http_metrics.py``) around an ASGI app that only answers, against the same app without
it, and the check-in's own counter (``services/metrics.py``); in one process, or with
``--multiprocess`` as the workers of ``attn serve --workers N`` keep them (in files under
``PROMETHEUS_MULTIPROC_DIR``). Compare with the server CPU per check-in that
``python -m bench.checkin`` prints (docs/performance.md#metrics-on-the-hot-path).

It also compares, in the same run, the access log and the metrics watched by one middleware
(as the app has them) with the two middlewares they were before, one inside the other, each
timing the request and wrapping ``send`` (the same class twice, one observer each: the
structure of the former ``AccessLogMiddleware(HttpMetricsMiddleware(app))``); with the
access log muted (what the middleware costs) and writing its lines to ``/dev/null``.

    python -m bench.metrics_cost
    python -m bench.metrics_cost --multiprocess
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import tempfile
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CHECK_IN = "/api/v1/attendances/{attendance_id}/check-in"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--multiprocess", action="store_true")
    parser.add_argument("--calls", type=int, default=200_000)
    args = parser.parse_args()
    if args.multiprocess:  # before prometheus_client is imported: it reads it then
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="attn-bench-metrics-")
    from attn.api.http_metrics import HttpMetrics
    from attn.api.request_observer import RequestObserverMiddleware as Observed
    from attn.app import create_app
    from attn.config import Settings
    from attn.logging_setup import FORMAT, AccessLog
    from attn.services import metrics

    app = create_app(Settings())  # its route table, as the metrics read it
    answer = _check_in_answer(app)

    shapes: list[tuple[str, ASGIApp]] = [
        ("bare answer", answer),
        ("with the metrics", Observed(answer, [HttpMetrics()])),
    ]
    for log_state in ("muted", "to /dev/null"):  # the access log, before and now
        shapes += [
            (f"two middlewares (before), log {log_state}",
             Observed(Observed(answer, [HttpMetrics()]), [AccessLog()])),
            (f"one middleware (now), log {log_state}",
             Observed(answer, [HttpMetrics(), AccessLog()])),
        ]  # fmt: skip
    for name, asgi in shapes:
        _access_log(written=name.endswith("/dev/null"), log_format=FORMAT)
        print(f"{name:44}: {_per_call(asgi, app, args.calls):6.2f} µs per request")
    started = time.process_time()
    for _ in range(args.calls):
        metrics.count_checkin("present", None)
    print(f"{'count_checkin':44}: {(time.process_time() - started) / args.calls * 1e6:6.2f} µs")
    print("multiprocess mode" if args.multiprocess else "one process")


def _check_in_answer(app: Any) -> ASGIApp:
    """An ASGI app that only answers 201, as the check-in route (the router's scope)."""
    from fastapi.routing import iter_route_contexts

    route = next(c.original_route for c in iter_route_contexts(app.routes) if c.path == CHECK_IN)

    async def answer(scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = route  # as the router leaves it
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    return answer


def _access_log(*, written: bool, log_format: str) -> None:
    """``attn.access`` muted, or at INFO writing formatted lines to ``/dev/null``."""
    access = logging.getLogger("attn.access")
    access.propagate = False
    access.setLevel(logging.INFO if written else logging.WARNING)
    if written and not access.handlers:
        handler = logging.FileHandler(os.devnull)
        handler.setFormatter(logging.Formatter(log_format))
        access.addHandler(handler)


def _per_call(asgi: ASGIApp, app: Any, calls: int) -> float:
    async def send(_message: Message) -> None:
        return None

    async def receive() -> Message:
        return {"type": "http.request"}

    scope = {"type": "http", "method": "POST", "path": "/x", "app": app, "headers": [],
             "client": ("10.1.2.3", 50000)}  # fmt: skip

    async def run(count: int) -> None:
        for _ in range(count):
            await asgi(dict(scope), receive, send)

    asyncio.run(run(1000))  # warm-up: the route table and the metric children
    started = time.process_time()
    asyncio.run(run(calls))
    return (time.process_time() - started) / calls * 1e6


if __name__ == "__main__":
    main()
