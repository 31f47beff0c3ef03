"""Server CPU of one ``POST /api/v1/auth/resume``: N remembered students resume once each
against ``attn serve`` (1 worker) on a real Redis, and the server's CPU is divided by N.

    python -m bench.resume_cpu                        # 1,000 resumes, concurrency 8
    python -m bench.resume_cpu --profile resume.svg   # and a py-spy flame graph of them

The students are seeded in SQLite with one shared Argon2 hash and log in once with
``"remember": true`` (not measured); their sessions are then dropped, as in
``bench.rush --remembered``. ``--profile`` needs py-spy (``pip install py-spy``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import tempfile
from pathlib import Path

from attn.db.redis_connection import create_redis
from attn.db.sql.migrate import upgrade
from bench.checkin import bench_redis, free_port, server_cpu_seconds, wait_ready
from bench.profiling import profiled
from bench.rush_client import Connection, JourneyResult, run_journeys
from bench.rush_setup import (
    HOST,
    drop_sessions,
    seed_students,
    server_env,
    start_attn_serve,
    student_numbers,
)
from bench.rush_steps import remember_devices, resume_request

PASSWORD = "resume-cpu-password"  # noqa: S105 - the seeded students' password


async def remember(args: argparse.Namespace, port: int, redis_url: str) -> dict[str, str]:
    """Every student's cookie after one login with ``remember``; their sessions dropped."""
    numbers = student_numbers("rc", args.students)
    cookies = await remember_devices(port, numbers, PASSWORD, args.concurrency)
    redis = create_redis(redis_url, client_name="attn-bench-resume")
    await drop_sessions(redis, numbers)
    await redis.aclose()
    return cookies


async def resume_all(
    args: argparse.Namespace, port: int, pid: int, cookies: dict[str, str]
) -> tuple[JourneyResult, float]:
    """Every student resumes once; the result and the server's CPU seconds meanwhile."""

    async def resume(connection: Connection, number: str) -> None:
        await connection.send("resume", resume_request(number, cookies[number]), expect=200)

    cpu = server_cpu_seconds(pid)
    result = await run_journeys(HOST, port, list(cookies), resume, args.concurrency)
    return result, server_cpu_seconds(pid) - cpu


def measure(args: argparse.Namespace, port: int, pid: int, redis_url: str) -> None:
    cookies = asyncio.run(remember(args, port, redis_url))
    with profiled(pid, args.profile, args.profile_format):
        result, cpu = asyncio.run(resume_all(args, port, pid, cookies))
    print(
        f"{result.journeys} resumes in {result.seconds:.2f} s, {len(result.errors)} errors, "
        f"server CPU {cpu:.2f} s = {cpu / result.journeys * 1000:.2f} ms per resume, "
        f"p50 {result.percentile(50):.1f} ms"
    )
    if result.errors:
        raise SystemExit(f"failed: {result.errors[0]}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--redis-url", help="a Redis database the benchmark may FLUSH")
    parser.add_argument("--profile", help="write a py-spy profile of the resumes here")
    parser.add_argument("--profile-format", default="flamegraph", help="py-spy --format")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="attn-resume-") as tmp:
        data = Path(tmp)
        database_url = f"sqlite:///{data / 'resume.sqlite3'}"
        upgrade(database_url)
        asyncio.run(seed_students(database_url, student_numbers("rc", args.students), PASSWORD))
        with bench_redis(args.redis_url, data) as redis_url:
            port = free_port()
            server = start_attn_serve(1, port, server_env(data, redis_url, database_url))
            try:
                wait_ready(port, server)
                measure(args, port, server.pid, redis_url)
            finally:
                os.killpg(server.pid, signal.SIGINT)
                server.wait(timeout=30)


if __name__ == "__main__":
    main()
