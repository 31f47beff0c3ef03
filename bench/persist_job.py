"""Running the real persistence job for ``bench/persist.py``: in this process, or in several
worker processes started together (``--processes``)."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from pathlib import Path
from typing import Any

from attn.config import Environment, Settings
from attn.persistence.job import PersistenceJob
from attn.runtime import Runtime


def job_settings(redis_url: str, database_url: str, data_dir: Path, concurrency: int) -> Settings:
    return Settings(
        environment=Environment.TEST,
        data_dir=data_dir,
        redis_url=redis_url,
        database_url=database_url,
        auto_migrate=False,
        persist_concurrency=concurrency,
    )


async def run_job(settings: Settings) -> float:
    """Seconds one run of the job takes in this process (clients opened beforehand)."""
    runtime = await Runtime.open(settings, role="bench")
    try:
        started = time.perf_counter()
        summary = await PersistenceJob(runtime).run_once()
        seconds = time.perf_counter() - started
        if summary.failures or summary.outage or summary.retried:
            raise SystemExit(f"the job did not persist everything: {summary.line()}")
        return seconds
    finally:
        await runtime.close()


def run_job_processes(settings: Settings, processes: int) -> float:
    """Seconds for ``processes`` worker processes, started together, to persist everything.

    Each process opens its clients first and waits at a barrier, so process start-up is not
    timed; the clock runs from the barrier until the last process is done.
    """
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes + 1)
    results = context.Queue()
    workers = [
        context.Process(target=_worker_process, args=(settings, barrier, results))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    barrier.wait(timeout=120)
    started = time.perf_counter()
    outcomes = [results.get(timeout=600) for _ in workers]
    seconds = time.perf_counter() - started
    for worker in workers:
        worker.join(timeout=60)
    if any(outcome for outcome in outcomes):
        raise SystemExit(f"a worker did not persist everything: {outcomes}")
    return seconds


def _worker_process(settings: Settings, barrier: Any, results: Any) -> None:
    async def work() -> str:
        runtime = await Runtime.open(settings, role="bench-worker")
        try:
            await asyncio.to_thread(barrier.wait, 120)
            summary = await PersistenceJob(runtime).run_once()
        finally:
            await runtime.close()
        return summary.line() if summary.failures or summary.outage else ""

    results.put(asyncio.run(work()))


async def timed_job(settings: Settings, processes: int) -> float:
    """Seconds the job takes to persist everything due, over ``processes`` processes."""
    if processes > 1:
        return await asyncio.to_thread(run_job_processes, settings, processes)
    return await run_job(settings)
