"""What the metrics add to one check-in, measured alone (CPU time per call).

The HTTP middleware (``api/http_metrics.py``) around an ASGI app that only answers, against
the same app without it, and the check-in's own counter (``services/metrics.py``); in one
process, or with ``--multiprocess`` as the workers of ``attn serve --workers N`` keep them
(in files under ``PROMETHEUS_MULTIPROC_DIR``). Compare with the server CPU per check-in that
``python -m bench.checkin`` prints (docs/performance.md#metrics-on-the-hot-path).

    python -m bench.metrics_cost
    python -m bench.metrics_cost --multiprocess
"""

from __future__ import annotations

import argparse
import asyncio
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
    from fastapi.routing import iter_route_contexts

    from attn.api.http_metrics import HttpMetricsMiddleware
    from attn.app import create_app
    from attn.config import Settings
    from attn.services import metrics

    app = create_app(Settings())
    route = next(c.original_route for c in iter_route_contexts(app.routes) if c.path == CHECK_IN)

    async def answer(scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = route  # as the router leaves it
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    middleware: ASGIApp = HttpMetricsMiddleware(answer)
    for name, asgi in (("bare answer", answer), ("with the middleware", middleware)):
        print(f"{name:22}: {_per_call(asgi, app, args.calls):6.2f} µs per request")
    started = time.process_time()
    for _ in range(args.calls):
        metrics.count_checkin("present", None)
    each = (time.process_time() - started) / args.calls * 1e6
    print(f"{'count_checkin':22}: {each:6.2f} µs per check-in")
    print("multiprocess mode" if args.multiprocess else "one process")


def _per_call(asgi: ASGIApp, app: Any, calls: int) -> float:
    async def send(_message: Message) -> None:
        return None

    async def receive() -> Message:
        return {"type": "http.request"}

    async def run(count: int) -> None:
        for _ in range(count):
            await asgi({"type": "http", "method": "POST", "path": "/x", "app": app}, receive, send)

    asyncio.run(run(1000))  # warm-up: the route table and the metric children
    started = time.process_time()
    asyncio.run(run(calls))
    return (time.process_time() - started) / calls * 1e6


if __name__ == "__main__":
    main()
