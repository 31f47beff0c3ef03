"""Running the real persistence job for ``bench/persist.py``: in this process, or in several
worker processes started together (``--processes``)."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text

from attn.config import Environment, Settings
from attn.db.sql.engine import create_engine
from attn.persistence.job import PersistenceJob
from attn.runtime import Runtime


@dataclass(frozen=True)
class JobTime:
    """A run of the job: wall seconds, CPU seconds of the job's processes (threads included:
    SQLite's work runs in aiosqlite's thread) and of the PostgreSQL backends serving them
    (0 on SQLite, and when the server is not on this machine)."""

    seconds: float
    cpu: float
    server_cpu: float = 0.0


def job_settings(redis_url: str, database_url: str, data_dir: Path, concurrency: int) -> Settings:
    return Settings(
        environment=Environment.TEST,
        data_dir=data_dir,
        redis_url=redis_url,
        database_url=database_url,
        auto_migrate=False,
        persist_concurrency=concurrency,
    )


async def run_job(settings: Settings) -> JobTime:
    """One run of the job in this process (clients opened beforehand)."""
    runtime = await Runtime.open(settings, role="bench")
    try:
        server = await backend_cpu(settings.effective_database_url)
        started, cpu = time.perf_counter(), time.process_time()
        summary = await PersistenceJob(runtime).run_once()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        server_cpu = _spent(server, await backend_cpu(settings.effective_database_url))
        if summary.failures or summary.outage or summary.retried:
            raise SystemExit(f"the job did not persist everything: {summary.line()}")
        return JobTime(seconds, cpu, server_cpu)
    finally:
        await runtime.close()


def run_job_processes(settings: Settings, processes: int) -> JobTime:
    """``processes`` worker processes, started together, persisting everything.

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
    if any(outcome for outcome, _cpu, _server in outcomes):
        raise SystemExit(f"a worker did not persist everything: {outcomes}")
    return JobTime(seconds, sum(cpu for _outcome, cpu, _server in outcomes),
                   sum(server for _outcome, _cpu, server in outcomes))  # fmt: skip


def _worker_process(settings: Settings, barrier: Any, results: Any) -> None:
    async def work() -> tuple[str, float, float]:
        runtime = await Runtime.open(settings, role=f"bench-worker-{os.getpid()}")
        try:
            await asyncio.to_thread(barrier.wait, 120)
            server = await backend_cpu(settings.effective_database_url, os.getpid())
            cpu = time.process_time()
            summary = await PersistenceJob(runtime).run_once()
            cpu = time.process_time() - cpu
            server_cpu = _spent(
                server, await backend_cpu(settings.effective_database_url, os.getpid())
            )
        finally:
            await runtime.close()
        failed = summary.line() if summary.failures or summary.outage else ""
        return failed, cpu, server_cpu

    results.put(asyncio.run(work()))


async def timed_job(settings: Settings, processes: int) -> JobTime:
    """The job persisting everything due, over ``processes`` processes."""
    if processes > 1:
        return await asyncio.to_thread(run_job_processes, settings, processes)
    return await run_job(settings)


async def backend_cpu(database_url: str, worker: int | None = None) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend of the job (``attn-bench``, or worker
    process ``worker``'s) on the job's database, read from ``/proc``: the job's connections
    stay open in its pool until the runtime closes. Empty on SQLite or a remote server."""
    engine = create_engine(database_url, application_name="attn-bench-probe", null_pool=True)
    if engine.dialect.name != "postgresql":
        return {}
    name = "attn-bench" if worker is None else f"attn-bench-worker-{worker}"
    try:
        async with engine.connect() as connection:
            pids = (
                await connection.execute(
                    text(
                        "SELECT pid FROM pg_stat_activity WHERE application_name = :name "
                        "AND datname = current_database()"
                    ),
                    {"name": name},
                )
            ).scalars()
            return {pid: cpu for pid in pids if (cpu := _process_cpu(pid)) is not None}
    finally:
        await engine.dispose()


def _process_cpu(pid: int) -> float | None:
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return None


def _spent(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())
