"""Persistence benchmark: A finished attendances of S students each, Redis -> SQL.

For each database (SQLite, PostgreSQL) and each amount of unrelated Redis keys it fills a
scratch Redis with the attendances, runs the real persistence job once (``attn persist
--once`` code path), checks that every record arrived and Redis holds nothing of them any
more, and reports records/second. In the same run it measures the baseline: the same rows
(users, attendances, records) bulk-inserted into the same, emptied tables with nothing else
(PostgreSQL: COPY and a plain multi-row INSERT; SQLite: one executemany transaction).

    python -m bench.persist                      # embedded redis-server + embedded PostgreSQL
    python -m bench.persist --attendances 200 --students 250 --unrelated-keys 0
    python -m bench.persist --redis-url redis://127.0.0.1:6379/14 \\
        --postgres-url postgresql://postgres@127.0.0.1:5432/test
    python -m bench.persist --rosters 500 --students 450 --unrelated-keys 0 --repeat 3

With ``--rosters N`` it compares, instead of measuring against the baseline, course
attendances with rosters of N (so N - S absent rows are added to each) against the same
attendances ad hoc (``bench/persist_rosters.py``).

Everything it touches is its own: an embedded Redis in a temporary folder (or, with
``--redis-url``, a Redis database that must be empty, flushed again at the end), a SQLite
file in a temporary folder, and a new ``attn_bench_*`` database on the PostgreSQL server
(embedded in a temporary folder unless ``--postgres-url`` names one), dropped at the end.
``ATTN_BENCH_REDIS_URL`` / ``ATTN_BENCH_POSTGRES_URL`` work like the flags.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import insert, text

from attn.config import Settings
from attn.db import keys
from attn.db.redis_connection import create_redis
from attn.db.sql.engine import create_engine
from attn.db.sql.migrate import upgrade
from attn.db.sql.rows import AttendanceRow
from attn.db.sql.tables import ATTENDANCES, RECORD_COLUMNS, RECORDS, USERS
from attn.models.types import utcnow
from attn.persistence.parse import record_values
from bench.persist_job import job_settings, timed_job
from bench.persist_rosters import RosterResult, compare
from bench.persist_rosters import markdown as roster_markdown
from bench.persist_setup import (
    Dataset,
    empty_tables,
    fill_redis,
    flush_redis,
    make_dataset,
    scratch_postgres,
    scratch_redis,
)


@dataclass
class Result:
    backend: str
    unrelated_keys: int
    processes: int
    records: int
    job_seconds: float
    baselines: dict[str, float]  # name -> seconds

    def line(self) -> str:
        job_rate = self.records / self.job_seconds
        parts = [
            f"{self.backend:<8} unrelated={self.unrelated_keys:>9,} processes={self.processes}"
            f"  job {job_rate:>7,.0f} rec/s"
        ]
        for name, seconds in self.baselines.items():
            rate = self.records / seconds
            parts.append(
                f"{name} {rate:>9,.0f} rec/s (job takes {self.job_seconds / seconds:.2f}x)"
            )
        return "  |  ".join(parts)


async def verify(redis_url: str, database_url: str, data: Dataset, unrelated: int) -> None:
    """Every record in the database, nothing of the attendances left in Redis."""
    engine = create_engine(database_url, application_name="attn-bench")
    try:
        async with engine.connect() as connection:
            stored = await connection.scalar(text("SELECT count(*) FROM attendance_records"))
    finally:
        await engine.dispose()
    client = create_redis(redis_url, client_name="attn-bench")
    try:
        left = await client.dbsize()
        due = await client.zcard(keys.due())
    finally:
        await client.aclose()
    if stored != data.record_count or due != 0 or left != unrelated:
        raise SystemExit(
            f"verification failed: {stored} records stored of {data.record_count}, "
            f"{due} still due, {left} Redis keys left (expected {unrelated})"
        )


async def baselines(database_url: str, data: Dataset) -> dict[str, float]:
    """Seconds to bulk-insert the same rows into the emptied tables, nothing else."""
    users = data.user_rows()
    attendances = [
        AttendanceRow.from_redis(lesson, persisted_at=utcnow()).to_params()
        for lesson in data.lessons
    ]
    records = [record_values(record) for records in data.records for record in records]
    results: dict[str, float] = {}
    if create_engine(database_url).dialect.name == "postgresql":
        for name in ("COPY", "INSERT"):
            await empty_tables(database_url)
            results[f"baseline {name}"] = await _postgres_baseline(
                database_url, name, users, attendances, records
            )
    else:
        await empty_tables(database_url)
        engine = create_engine(database_url, application_name="attn-bench")
        try:
            started = time.perf_counter()
            async with engine.begin() as connection:
                await connection.execute(insert(USERS), users)
                await connection.execute(insert(ATTENDANCES), attendances)
                await connection.execute(
                    insert(RECORDS),
                    [dict(zip(RECORD_COLUMNS, row, strict=True)) for row in records],
                )
            results["baseline executemany"] = time.perf_counter() - started
        finally:
            await engine.dispose()
    await empty_tables(database_url)
    return results


async def _postgres_baseline(
    database_url: str,
    method: str,
    users: list[dict[str, Any]],
    attendances: list[dict[str, Any]],
    records: list[tuple[Any, ...]],
) -> float:
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(dsn)
    try:
        attendance_rows = [
            tuple(json.dumps(value) if isinstance(value, dict) else value for value in row.values())
            for row in attendances
        ]
        tables = [
            ("users", list(users[0]), [tuple(row.values()) for row in users]),
            ("attendances", list(attendances[0]), attendance_rows),
            ("attendance_records", list(RECORD_COLUMNS), records),
        ]
        started = time.perf_counter()
        async with connection.transaction():
            for table, columns, rows in tables:
                if method == "COPY":
                    await connection.copy_records_to_table(table, records=rows, columns=columns)
                else:
                    placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
                    await connection.executemany(
                        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",  # noqa: S608
                        rows,
                    )
        return time.perf_counter() - started
    finally:
        await connection.close()


async def scenario(
    backend: str,
    redis_url: str,
    database_url: str,
    unrelated: int,
    processes: int,
    args: argparse.Namespace,
) -> Result:
    """``args.repeat`` rounds of fill, job, check and baseline; the median of each timing."""
    job_times: list[float] = []
    baseline_times: dict[str, list[float]] = {}
    data = make_dataset(args.attendances, args.students, args.student_pool or args.students)
    for _ in range(args.repeat):
        await flush_redis(redis_url)
        await empty_tables(database_url)
        await fill_redis(redis_url, data, unrelated)
        settings = job_settings(redis_url, database_url, args.data_dir, args.concurrency)
        job_times.append((await timed_job(settings, processes)).seconds)
        await verify(redis_url, database_url, data, unrelated)
        await flush_redis(redis_url)
        for name, seconds in (await baselines(database_url, data)).items():
            baseline_times.setdefault(name, []).append(seconds)
        data = make_dataset(args.attendances, args.students, args.student_pool or args.students)
    return Result(
        backend,
        unrelated,
        processes,
        data.record_count,
        statistics.median(job_times),
        {name: statistics.median(times) for name, times in baseline_times.items()},
    )


def markdown(results: list[Result]) -> str:
    """The figures as the table in docs/performance.md."""
    lines = [
        "| database | unrelated keys | worker processes | job rec/s | baseline rec/s "
        "| job time ÷ baseline time |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for result in results:
        rate = result.records / result.job_seconds
        names = sorted(result.baselines)
        base = " · ".join(
            f"{name.removeprefix('baseline ')} {result.records / result.baselines[name]:,.0f}"
            for name in names
        )
        ratio = " · ".join(f"{result.job_seconds / result.baselines[name]:.2f}x" for name in names)
        lines.append(
            f"| {result.backend} | {result.unrelated_keys:,} | {result.processes} "
            f"| {rate:,.0f} | {base} | {ratio} |"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> list[Result | RosterResult]:
    results: list[Result | RosterResult] = []
    root = Path(tempfile.mkdtemp(prefix="attn-bench-"))
    args.data_dir = root / "data"
    try:
        with scratch_redis(args.redis_url, root) as redis_url:
            for backend in args.backends:
                with contextlib.ExitStack() as stack:
                    if backend == "postgres":
                        url = stack.enter_context(scratch_postgres(args.postgres_url, root))
                    else:
                        url = f"sqlite+aiosqlite:///{root / 'bench.sqlite3'}"
                        upgrade(url)
                    for unrelated in args.unrelated_keys:
                        for processes in args.processes:
                            measured = (backend, redis_url, url, unrelated, processes, args)
                            result: Result | RosterResult = (
                                asyncio.run(compare(*measured))
                                if args.rosters
                                else asyncio.run(scenario(*measured))
                            )
                            print(result.line(), flush=True)
                            results.append(result)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--attendances", type=int, default=100, help="A (default 100)")
    parser.add_argument(
        "--students", type=int, help="S per attendance (500; with --rosters 9/10 of N)"
    )
    parser.add_argument(
        "--student-pool", type=int, default=0, help="distinct students (default: S, one class)"
    )
    parser.add_argument(
        "--rosters", type=int, default=0, metavar="N",
        help="compare course attendances with rosters of N against the same ad hoc",
    )  # fmt: skip
    parser.add_argument("--courses", type=int, default=10, help="with --rosters: courses (10)")
    parser.add_argument(
        "--other-courses", type=int, default=190,
        help="with --rosters: courses without attendances, rosters stored too (190)",
    )  # fmt: skip
    parser.add_argument("--concurrency", type=int, default=Settings().persist_concurrency)
    parser.add_argument(
        "--unrelated-keys", default="0,1000000", help="comma-separated counts (0,1000000)"
    )
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument(
        "--processes", default="1", help="comma-separated worker process counts (1)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="rounds per scenario (median)")
    parser.add_argument("--redis-url", default=os.environ.get("ATTN_BENCH_REDIS_URL"))
    parser.add_argument("--postgres-url", default=os.environ.get("ATTN_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    args.unrelated_keys = [int(count) for count in args.unrelated_keys.split(",")]
    args.backends = [name.strip() for name in args.backends.split(",")]
    args.processes = [int(count) for count in args.processes.split(",")]
    if set(args.backends) - {"sqlite", "postgres"}:
        parser.error("--backends takes sqlite and/or postgres")
    if args.students is None:
        args.students = args.rosters * 9 // 10 if args.rosters else 500
    if args.rosters and not 0 < args.students <= args.rosters:
        parser.error("--students must be between 1 and the roster size (--rosters)")
    logging.basicConfig(level=logging.WARNING)
    print(
        f"persistence benchmark: {args.attendances} attendances x {args.students} students "
        + (
            f"(rosters of {args.rosters} over {args.courses} courses, "
            f"{args.other_courses} more courses stored; against the same ad hoc), "
            if args.rosters
            else f"(pool {args.student_pool or args.students}), "
        )
        + f"concurrency {args.concurrency} per "
        f"process, {args.repeat} round(s) per figure (median), "
        f"{os.cpu_count()} CPUs",
        flush=True,
    )
    load = os.getloadavg()
    results = run(args)
    print(f"\nload average before {load[0]:.2f}, after {os.getloadavg()[0]:.2f}\n")
    if args.rosters:
        print(roster_markdown([r for r in results if isinstance(r, RosterResult)]))
    else:
        print(markdown([r for r in results if isinstance(r, Result)]))


if __name__ == "__main__":
    main()
