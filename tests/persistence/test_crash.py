"""A persisting process killed with SIGKILL at the worst moments loses nothing.

Real processes, really killed: ``crash_driver.py`` runs the job in a process of its own
and parks it at the chosen point; the test kills it with SIGKILL (no cleanup code runs,
the database connection just drops, the lease is never released). Then another worker
in this process takes over once the lease has run out.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from attn.config import Settings
from attn.db import keys
from attn.persistence.job import PersistenceJob
from attn.persistence.summary import Outcome
from attn.runtime import Runtime
from tests.helpers.persistence import (
    assert_matches,
    audit_count,
    in_redis,
    record_count,
    seed,
    stored_attendance,
    stored_records,
)
from tests.persistence.conftest import LEASE_MS

DRIVER = Path(__file__).parents[1] / "helpers" / "crash_driver.py"
ROOT = DRIVER.parents[2]


async def run_until(point: str, settings: Settings, tmp_path: Path) -> str:
    """Start the driver, wait until it parks at ``point``, SIGKILL it; the attendance id."""
    marker = tmp_path / f"{point}.marker"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "ATTN_ENVIRONMENT": "test",
        "ATTN_DATA_DIR": str(settings.data_dir),
        "ATTN_REDIS_URL": str(settings.redis_url),
        "ATTN_DATABASE_URL": str(settings.database_url),
        "ATTN_AUTO_MIGRATE": "false",
        "ATTN_PERSIST_LEASE_MS": str(LEASE_MS),
        "ATTN_LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(DRIVER), point, str(marker), env=env, cwd=ROOT
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert process.returncode is None, f"the driver exited with {process.returncode}"
            assert time.monotonic() < deadline, "the driver never reached " + point
            await asyncio.sleep(0.02)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGKILL)
        await process.wait()
    assert process.returncode == -signal.SIGKILL
    return marker.read_text()


class TestProcessKilled:
    async def test_after_the_commit_the_next_run_finishes_the_cleanup(
        self, job_runtime: Runtime, job_settings: Settings, tmp_path: Path
    ) -> None:
        redis = job_runtime.redis_client
        lesson, records = await seed(redis, students=25)
        aid = await run_until("after_commit", job_settings, tmp_path)
        assert aid == str(lesson.attendance_id)
        # Committed, not cleaned up: the database has it, and so does Redis.
        assert_matches(await stored_records(job_runtime, lesson.attendance_id), records)
        assert await redis.get_lesson(aid) == lesson
        assert await redis.redis.exists(keys.lease(aid))

        job = PersistenceJob(job_runtime)
        assert (await job.run_once()).outcomes == {aid: Outcome.SKIPPED}  # lease still held
        await asyncio.sleep(LEASE_MS / 1000 + 0.2)
        assert (await job.run_once()).outcomes == {aid: Outcome.PERSISTED}
        assert await record_count(job_runtime, lesson.attendance_id) == 25  # each once
        assert await audit_count(job_runtime, lesson.attendance_id) == 25  # each entry once
        assert_matches(await stored_records(job_runtime, lesson.attendance_id), records)
        assert not await in_redis(redis, aid)

    async def test_before_the_commit_nothing_is_lost(
        self, job_runtime: Runtime, job_settings: Settings, tmp_path: Path
    ) -> None:
        redis = job_runtime.redis_client
        lesson, records = await seed(redis, students=25)
        aid = await run_until("before_commit", job_settings, tmp_path)
        # Everything was written but never committed: the database has nothing of it.
        assert await stored_attendance(job_runtime, lesson.attendance_id) is None
        assert await record_count(job_runtime) == 0
        assert await audit_count(job_runtime, lesson.attendance_id) == 0
        assert await redis.redis.hlen(keys.records(aid)) == 25
        assert await redis.redis.llen(keys.audit(aid)) == 25

        await asyncio.sleep(LEASE_MS / 1000 + 0.2)  # the dead worker's lease runs out
        summary = await PersistenceJob(job_runtime).run_once()
        assert summary.outcomes == {aid: Outcome.PERSISTED}
        assert_matches(await stored_records(job_runtime, lesson.attendance_id), records)
        assert await audit_count(job_runtime, lesson.attendance_id) == 25
        assert not await in_redis(redis, aid)
