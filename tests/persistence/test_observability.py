"""Each run logs one summary line; the same figures are Prometheus metrics at GET /metrics.
And the schedule: the worker loop runs the job until it is told to stop."""

from __future__ import annotations

import asyncio
import logging
from uuid import UUID

import httpx
import pytest

from attn.db import keys
from attn.db.redis_client import RedisClient
from attn.persistence.worker import run_worker
from attn.runtime import Runtime
from tests.helpers.metrics import scrape, value
from tests.helpers.persistence import eventually, in_redis, seed


class TestSummaryAndMetrics:
    async def test_one_summary_line_per_run_with_the_figures(
        self, job_runtime: Runtime, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG, logger="attn.persistence.worker")
        redis = job_runtime.redis_client
        for first in (0, 10):
            await seed(redis, students=3, first=first)
        held, _ = await seed(redis, first=20)  # another worker holds it: it waits
        await redis.acquire_lease(held.attendance_id, "another-worker", 60_000)
        stop = asyncio.Event()
        worker = asyncio.create_task(run_worker(job_runtime, stop, interval=0.05))
        await eventually(lambda: _logged(caplog, "attendances=2"))
        stop.set()
        await asyncio.wait_for(worker, timeout=10)
        lines = [
            r.getMessage() for r in caplog.records if r.getMessage().startswith("persistence run:")
        ]
        busy = [line for line in lines if "attendances=2" in line]
        assert len(busy) == 1
        line = busy[0]
        for figure in ("records=6", "failures=0", "skipped=1", "seconds=", "dead_letters=0"):
            assert figure in line
        age = float(line.split("oldest_due_age=")[1].split("s")[0])
        assert 1700 < age < 1900  # the held one finished half an hour ago and still waits
        busy_record = next(r for r in caplog.records if r.getMessage() == line)
        assert busy_record.levelno == logging.INFO

    async def test_the_same_figures_are_prometheus_metrics(
        self, api: httpx.AsyncClient, runtime: Runtime
    ) -> None:
        from attn.persistence.job import PersistenceJob

        redis = runtime.redis_client
        before = await scrape(api)
        await seed(redis, students=4)
        bad, _ = await seed(redis, first=10)
        await redis.redis.hset(keys.records(bad.attendance_id), "S00099", "not json")
        await PersistenceJob(runtime).run_once()
        after = await scrape(api)

        def grew(name: str, **labels: str) -> float:
            return value(after, name, **labels) - value(before, name, **labels)

        assert grew("attn_persist_attendances_total") == 1
        assert grew("attn_persist_records_total") == 4
        assert grew("attn_persist_failures_total", reason="bad_data") == 1
        assert grew("attn_persist_runs_total", result="ok") == 1
        assert grew("attn_persist_run_seconds_count") == 1
        assert value(after, "attn_persist_dead_letters") == 1
        assert value(after, "attn_persist_oldest_due_seconds") == 0
        assert value(after, "attn_persist_last_success_timestamp_seconds") > 0
        assert await redis.get_lesson(bad.attendance_id) is not None  # kept for an admin


class TestWorkerLoop:
    async def test_the_loop_persists_what_becomes_due_and_stops_when_told(
        self, job_runtime: Runtime
    ) -> None:
        redis = job_runtime.redis_client
        stop = asyncio.Event()
        worker = asyncio.create_task(run_worker(job_runtime, stop, interval=0.05))
        lesson, _ = await seed(redis)  # due while the loop already runs
        await eventually(lambda: _gone(redis, lesson.attendance_id))
        stop.set()
        await asyncio.wait_for(worker, timeout=5)


async def _logged(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    return text in caplog.text


async def _gone(redis: RedisClient, attendance_id: UUID) -> bool:
    return not await in_redis(redis, attendance_id)
