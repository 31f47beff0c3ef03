"""Login rush benchmark: a lecture starts and N students who are not logged in arrive at once.

Each student opens the check-in page from the QR link (``GET /check-in/{id}``), logs in
(``POST /api/v1/auth/login``, user number and password: a real Argon2id verification) and
checks in with the token it got, over ``--concurrency`` keep-alive connections, against
``attn serve`` with 1 and 2 workers on a real Redis (and SQLite for the users). In the same
run a second stream of students who are already logged in (sessions seeded as
``bench/checkin.py`` does) checks in to another attendance at a steady rate, from a few
seconds before the rush until it ends: their latency during the rush is what the rush
costs everybody else.

``--remembered`` adds a second phase: the students log in once with ``"remember": true``
and an ``X-Device-Id`` (the login sets the ``attn_remember`` cookie), their sessions are
dropped as if they had expired, and the rush is repeated with ``POST /api/v1/auth/resume``
(the cookie and the device id, no password) in place of the password login.

    python -m bench.rush                          # embedded redis-server, 1,000 students
    python -m bench.rush --workers 2 --remembered --redis-url redis://127.0.0.1:6379/14
    python -m bench.rush --workers 1 --remembered --profile rush.txt --profile-format raw

The users are created in SQL beforehand with one Argon2 hash (of the default parameters)
made once and shared, so seeding is fast and no login re-hashes. The rate limits are the
defaults: every request comes from 127.0.0.1, one address for the whole hall, as behind a
NAT. Exit status 1 when a journey failed or the records are not exactly N.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from attn.db import keys
from attn.db.redis_client import RedisClient
from attn.db.redis_connection import AnyRedis, create_redis
from attn.db.sql.migrate import upgrade
from attn.models import Role
from bench.checkin import (
    Session,
    bench_redis,
    free_port,
    seed_sessions,
    server_cpu_seconds,
    start_attendances,
    wait_ready,
)
from bench.profiling import profiled
from bench.rush_client import SteadyStream, run_journeys
from bench.rush_report import SETTLING_SECONDS, Phase, Round, report
from bench.rush_setup import (
    HOST,
    argon2_floor_seconds,
    argon2_verify_ms,
    drop_sessions,
    seed_students,
    server_env,
    start_attn_serve,
    student_numbers,
)
from bench.rush_steps import (
    Journey,
    check_resume_supported,
    checkin_request,
    password_journey,
    remember_devices,
    resume_journey,
)

PASSWORD = "rush-hour-password"  # noqa: S105 - the seeded students' password
TEACHERS = 5
"""One per attendance (a teacher has one live attendance): warm-up, and per phase a rush
attendance and one for the logged-in stream."""


@dataclass
class Target:
    """The running server and what the phases share."""

    port: int
    pid: int
    redis: AnyRedis
    teachers: list[Session]
    steady: list[Session]
    """Logged-in students of the steady stream (sessions seeded into Redis)."""

    async def attendance(self) -> str:
        return (await start_attendances(self.port, [self.teachers.pop()]))[0]


async def run_phase(
    args: argparse.Namespace, target: Target, name: str, journey_for: Callable[[str], Journey]
) -> Phase:
    """Rush ``args.students`` journeys into a new attendance while the logged-in stream
    checks in to another; ``journey_for(attendance_id)`` makes a student's journey."""
    rush_id, steady_id = await target.attendance(), await target.attendance()
    journey = journey_for(rush_id)
    requests = [
        checkin_request(steady_id, session.token, session.user_number) for session in target.steady
    ]
    stream = SteadyStream(HOST, target.port, args.steady_rate, requests)
    stop = asyncio.Event()
    stream_task = asyncio.create_task(stream.run(stop))
    await asyncio.sleep(args.quiet_seconds)
    profile = args.profile if name == args.profile_phase else None
    with profiled(target.pid, profile, args.profile_format):
        cpu, rush_start = server_cpu_seconds(target.pid), time.perf_counter()
        students = student_numbers("rc", args.students)
        rush = await run_journeys(HOST, target.port, students, journey, args.concurrency)
        rush_end, cpu = time.perf_counter(), server_cpu_seconds(target.pid) - cpu
    stop.set()
    await stream_task
    start, end = rush_start - stream.started, rush_end - stream.started
    return Phase(
        name=name,
        rush=rush,
        records=int(await target.redis.hlen(keys.records(rush_id))),
        server_cpu=cpu,
        quiet_ms=stream.between(0, start),
        during_ms=stream.between(start, end),
        settled_ms=stream.between(start + SETTLING_SECONDS, end),
        steady_statuses=stream.statuses,
        steady_errors=stream.errors,
    )


async def warm_up(args: argparse.Namespace, target: Target) -> None:
    """Not measured: every worker logs students in and checks them in once (imports done,
    scripts loaded), as a server has before the first lecture of the day."""
    attendance_id = await target.attendance()
    numbers = student_numbers("rw", args.concurrency)
    result = await run_journeys(
        HOST, target.port, numbers, password_journey(attendance_id, PASSWORD), args.concurrency
    )
    if result.errors:
        raise SystemExit(f"the warm-up failed: {result.errors[0]}")


async def remembered_phase(args: argparse.Namespace, target: Target) -> Phase:
    """Remember every student's phone (one login each, not measured), let the sessions go
    as if they had expired, then rush with the remembered devices."""
    numbers = student_numbers("rc", args.students)
    cookies = await remember_devices(target.port, numbers, PASSWORD, args.concurrency)
    await drop_sessions(target.redis, numbers)
    return await run_phase(args, target, "remembered", lambda aid: resume_journey(aid, cookies))


async def run_round(
    args: argparse.Namespace, workers: int, redis_url: str, database_url: str, data: Path
) -> Round:
    redis = create_redis(redis_url, client_name="attn-bench-rush")
    await redis.flushdb()
    client = RedisClient(redis)
    teachers = await seed_sessions(client, Role.TEACHER, "rt", TEACHERS)
    steady_count = int(args.steady_rate * (args.quiet_seconds + args.max_rush_seconds))
    steady = await seed_sessions(client, Role.STUDENT, "rs", steady_count)
    port = free_port()
    server = start_attn_serve(workers, port, server_env(data, redis_url, database_url))
    result = Round(workers, args.concurrency, args.steady_rate, args.argon2_ms, args.floor_s)
    try:
        wait_ready(port, server)
        target = Target(port, server.pid, redis, teachers, steady)
        if args.remembered:
            await check_resume_supported(port)  # before anything is measured
        await warm_up(args, target)
        result.phases.append(
            await run_phase(args, target, "password", lambda aid: password_journey(aid, PASSWORD))
        )
        if args.remembered:
            result.phases.append(await remembered_phase(args, target))
    finally:
        os.killpg(server.pid, signal.SIGINT)
        server.wait(timeout=30)
        await redis.flushdb()
        await redis.aclose()
    return result


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument(
        "--steady-rate", type=float, default=20, help="logged-in check-ins per second"
    )
    parser.add_argument("--quiet-seconds", type=float, default=3, help="stream before the rush")
    parser.add_argument(
        "--max-rush-seconds", type=float, default=120, help="sessions seeded for the stream"
    )
    parser.add_argument("--remembered", action="store_true", help="add the remembered rush")
    parser.add_argument(
        "--redis-url", help="a Redis database the benchmark may FLUSH (default: embedded)"
    )
    parser.add_argument("--profile", help="write a py-spy profile of one phase's rush here")
    parser.add_argument(
        "--profile-phase", default="remembered", help="the phase to profile: password, remembered"
    )
    parser.add_argument("--profile-format", default="flamegraph", help="py-spy --format")
    return parser.parse_args()


async def prepare(args: argparse.Namespace, database_url: str) -> None:
    """Users in SQL (cold students and the warm-up's) and the cost of one verification."""
    numbers = student_numbers("rc", args.students) + student_numbers("rw", args.concurrency)
    password_hash = await seed_students(database_url, numbers, PASSWORD)
    args.argon2_ms = argon2_verify_ms(password_hash, PASSWORD)
    args.floor_s = argon2_floor_seconds(args.students, args.argon2_ms)


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="attn-rush-") as tmp:
        data = Path(tmp)
        database_url = f"sqlite:///{data / 'rush.sqlite3'}"
        upgrade(database_url)
        asyncio.run(prepare(args, database_url))
        with bench_redis(args.redis_url, data) as redis_url:
            results = [
                asyncio.run(run_round(args, int(w), redis_url, database_url, data))
                for w in args.workers.split(",")
            ]
    print(json.dumps({"students": args.students, "concurrency": args.concurrency}))
    verdicts = [report(result) for result in results]
    sys.exit(0 if all(verdicts) else 1)


if __name__ == "__main__":
    main()
