"""``attn serve --workers 2``: one ``/metrics`` for both processes, whichever answers the
scrape (docs/operations.md#several-worker-processes). Real processes, real Redis."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx

from attn.db.redis_connection import AnyRedis
from tests.helpers.metrics import parse, value
from tests.helpers.processes import Served, attn_serve, clean_env, run_attn

REQUESTS = 40
SCRAPES = 8


def test_both_workers_are_counted_in_every_scrape(
    redis_url: str, redis: AnyRedis, tmp_path: Path
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = clean_env(
        tmp_path / "data",
        ATTN_REDIS_URL=redis_url,
        ATTN_PERSIST_ENABLED="false",
        ATTN_LIVE_HEARTBEAT_SECONDS="1",
        TMPDIR=str(temp),  # where serve makes the workers' shared metrics directory
    )
    demo = run_attn("demo", env=env)
    assert demo.returncode == 0, demo.stderr
    with attn_serve(env, workers=2) as served:
        [shared] = temp.glob("attn-metrics-*")
        asyncio.run(_health_checks(served))
        writers = {re.sub(r"\D", "", path.stem) for path in shared.glob("counter_*.db")}
        assert len(writers) == 2, sorted(path.name for path in shared.iterdir())
        asyncio.run(_counted_across_workers(served))
    assert served.returncode == 0, served.stderr
    assert "Traceback" not in served.stderr, served.stderr
    assert list(temp.iterdir()) == []  # the shared directory is removed at exit


async def _health_checks(served: Served) -> None:
    for _ in range(REQUESTS):  # a new connection each: the kernel spreads them over both
        async with httpx.AsyncClient(base_url=served.base_url) as client:
            assert (await client.get("/health")).status_code == 200


async def _counted_across_workers(served: Served) -> None:
    for _ in range(SCRAPES):
        samples = await _scrape(served)
        health = {"method": "GET", "route": "/health", "status": "200"}
        # every one, whichever worker answers the scrape (the readiness polls went to /ready)
        assert value(samples, "attn_http_requests_total", **health) == REQUESTS
    await _live_gauge_over_both(served)


async def _live_gauge_over_both(served: Served) -> None:
    """Two listeners, wherever they landed, are two in every scrape; then none."""
    async with httpx.AsyncClient(base_url=served.base_url, timeout=10) as client:
        login = await client.post(
            "/api/v1/auth/login",
            json={"user_number": "demo-teacher", "password": "demo-teacher-pass"},
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        started = await client.post(
            "/api/v1/attendances",
            json={"lesson_name": "Metrics", "duration_minutes": 60},
            headers=headers,
        )
        assert started.status_code == 201, started.text
        events = f"/api/v1/attendances/{started.json()['attendance_id']}/events"
        listeners = [httpx.AsyncClient(base_url=served.base_url, timeout=10) for _ in range(2)]
        streams = [c.stream("GET", events, headers=headers) for c in listeners]
        for stream in streams:
            response = await stream.__aenter__()
            assert response.status_code == 200
        await _until_live(served, 2)
        for _ in range(SCRAPES):
            assert value(await _scrape(served), "attn_live_connections") == 2
        for stream, listener in zip(streams, listeners, strict=True):
            await stream.__aexit__(None, None, None)
            await listener.aclose()
        await _until_live(served, 0)


async def _until_live(served: Served, count: int) -> None:
    for _ in range(100):
        if value(await _scrape(served), "attn_live_connections") == count:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"never {count} live connections")


async def _scrape(served: Served) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with httpx.AsyncClient(base_url=served.base_url) as client:  # a new connection
        response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    return parse(response.text)
