"""Check-in benchmark: N students over M live attendances, all checking in at once.

Starts the real server (uvicorn, 1 and 2 workers) on loopback against a real Redis, seeds
N student and M teacher login sessions, starts M attendances through the API, then fires
all N check-ins with bounded concurrency through a lean keep-alive client. In the same run
it measures a bare endpoint of the same stack doing one Redis GET, and reports check-ins/s
as a ratio of it. It verifies that exactly N records exist afterwards, and times the
teacher's live records view of one attendance holding 1,500 students.

With ``--listeners N`` each round runs the check-ins twice, on fresh attendances: without
listeners, then with N teachers' live lists following the live channel (SSE) of the
attendances being checked into (bench/checkin_listeners.py); it reports the throughput
ratio and the share of updates that reached a listener within 1 s of their write.

    python -m bench.checkin                       # embedded redis-server, 2,000 x 20
    python -m bench.checkin --students 5000 --workers 2 --redis-url redis://127.0.0.1:6379/14
    python -m bench.checkin --listeners 5         # ... and with 5 live-list listeners

Sessions are seeded straight into Redis (login is Argon2-bound and not what is measured).
Every request comes from 127.0.0.1, so the per-address rate limit is lifted for the run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx

from attn.db import keys
from attn.db.redis_client import RedisClient
from attn.db.redis_connection import AnyRedis, create_redis
from attn.db.sql.migrate import upgrade
from attn.embedded import EmbeddedRedis
from attn.models import Role, UserRedis
from attn.models.types import utcnow
from attn.services.accounts.auth import hash_secret
from bench.checkin_app import PROBE_KEY
from bench.checkin_listeners import Listened, Listeners, Stream, report_listened
from bench.loadgen import LoadResult, Request, run_load

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


@dataclass
class Session:
    user_number: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def seed_sessions(redis: RedisClient, role: Role, prefix: str, count: int) -> list[Session]:
    now = utcnow()
    sessions = []
    for index in range(count):
        number = f"{prefix}{index:06d}"
        secret = secrets.token_urlsafe(24)
        user = UserRedis(
            user_number=number,
            full_name=f"{role.value.title()} Öğrenci {index}",
            role=role,
            token_hash=hash_secret(secret),
            issued_at=now,
            expires_at=now + timedelta(hours=2),
        )
        await redis.save_user_session(user, 7200)
        sessions.append(Session(number, f"{number}.{secret}"))
    return sessions


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def start_server(workers: int, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "uvicorn", "bench.checkin_app:create_bench_app", "--factory",
        "--host", HOST, "--port", str(port), "--workers", str(workers),
        "--no-access-log", "--no-proxy-headers", "--log-level", "warning",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the server exited during start-up")
        try:
            if httpx.get(f"http://{HOST}:{port}/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not become ready")


def server_cpu_seconds(pid: int) -> float:
    """CPU time of the uvicorn process group (supervisor and workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pid or int(entry.name) == pid:  # pgid == our group leader
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


async def start_attendances(port: int, teachers: list[Session]) -> list[str]:
    ids = []
    async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}") as client:
        for index, teacher in enumerate(teachers):
            response = await client.post(
                "/api/v1/attendances",
                headers=teacher.auth,
                json={"lesson_name": f"Veri Yapıları {index}", "duration_minutes": 90},
            )
            if response.status_code != 201:
                raise SystemExit(f"starting an attendance failed: {response.text}")
            body = response.json()
            ids.append(str(body.get("attendance_id") or body["id"]))
    return ids


async def time_live_view(port: int, teacher: Session, attendance_id: str, runs: int) -> list[float]:
    timings = []
    path = f"/api/v1/attendances/{attendance_id}/records"
    async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}") as client:
        for _ in range(runs):
            started = time.perf_counter()
            response = await client.get(path, headers=teacher.auth)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"live view failed: {response.status_code} {response.text}")
    return timings


def checkin_requests(students: list[Session], attendance_ids: list[str]) -> list[Request]:
    return [
        Request(
            "POST",
            f"/api/v1/attendances/{attendance_ids[i % len(attendance_ids)]}/check-in",
            {**student.auth, "Content-Type": "application/json"},
            b"{}",
        )
        for i, student in enumerate(students)
    ]


@dataclass
class RoundResult:
    workers: int
    baseline: LoadResult
    baseline_cpu: float
    checkins: LoadResult
    checkin_cpu: float
    records: int
    live_view_ms: list[float]
    listened: Listened | None = None
    """The same check-ins with the listeners connected (``--listeners``)."""


async def count_records(redis: AnyRedis, attendance_ids: list[str]) -> int:
    counts = [int(await redis.hlen(keys.records(aid))) for aid in attendance_ids]
    return sum(counts)


async def run_round(
    args: argparse.Namespace, workers: int, redis_url: str, data: Path
) -> RoundResult:
    redis = create_redis(redis_url, client_name="attn-bench")
    await redis.flushdb()
    await redis.set(PROBE_KEY, "x" * 64)
    client = RedisClient(redis)
    runs = 1 + 2 * args.pairs if args.listeners else 1
    teachers = await seed_sessions(client, Role.TEACHER, "t", runs * args.attendances + 1)
    students = await seed_sessions(
        client, Role.STUDENT, "s", runs * args.students + args.live_view_students
    )
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTN_")}
    env.update(
        PYTHONPATH=str(ROOT),
        ATTN_DATA_DIR=str(data),
        ATTN_REDIS_URL=redis_url,
        ATTN_DATABASE_URL=f"sqlite:///{data / 'bench.sqlite3'}",
        ATTN_AUTO_MIGRATE="false",
        ATTN_PERSIST_ENABLED="false",
        ATTN_LOG_LEVEL="WARNING",
        ATTN_RATE_LIMIT_PER_ADDRESS_PER_MINUTE="100000000",
    )
    if workers > 1:  # as `attn serve --workers N` runs them: one metrics directory for all
        shared = data / f"metrics-{workers}-{port}"
        shared.mkdir()
        env["PROMETHEUS_MULTIPROC_DIR"] = str(shared)
    server = start_server(workers, port, env)
    try:
        wait_ready(port, server)
        ids = await start_attendances(port, teachers[: args.attendances])
        # Warm-up, not measured: the live-view class checks in first (every worker has then
        # run the check-in path and loaded its scripts), as a server does before a lecture.
        live_id = (await start_attendances(port, teachers[-1:]))[0]
        await run_load(
            HOST,
            port,
            checkin_requests(students[-args.live_view_students :], [live_id]),
            args.concurrency,
        )
        probe = [Request("GET", "/bench/redis-get")] * max(args.students, args.baseline_requests)
        await run_load(HOST, port, probe[:500], args.concurrency)
        cpu = server_cpu_seconds(server.pid)
        baseline = await run_load(HOST, port, probe, args.concurrency)
        baseline_cpu = server_cpu_seconds(server.pid) - cpu
        cpu = server_cpu_seconds(server.pid)
        checkins = await run_load(
            HOST, port, checkin_requests(students[: args.students], ids), args.concurrency
        )
        checkin_cpu = server_cpu_seconds(server.pid) - cpu
        records = await count_records(redis, ids)
        listened = await run_listened(args, (port, server.pid), redis, teachers, students)
        timings = await time_live_view(port, teachers[-1], live_id, args.live_view_runs)
    finally:
        os.killpg(server.pid, signal.SIGINT)
        server.wait(timeout=30)
        await redis.flushdb()
        await redis.aclose()
    return RoundResult(
        workers=workers,
        baseline=baseline,
        baseline_cpu=baseline_cpu,
        checkins=checkins,
        checkin_cpu=checkin_cpu,
        records=records,
        live_view_ms=timings,
        listened=listened,
    )


async def run_listened(
    args: argparse.Namespace,
    server: tuple[int, int],
    redis: AnyRedis,
    teachers: list[Session],
    students: list[Session],
) -> Listened | None:
    """``--listeners``: ``--pairs`` times the check-ins without listeners, then with them,
    each on new attendances and students, so a slow phase of the machine hits both sides."""
    if not args.listeners:
        return None
    result, (port, pid) = Listened(), server
    for run in range(1, 1 + 2 * args.pairs):
        size, count = args.students, args.attendances
        owners = teachers[run * count : (run + 1) * count]
        ids = await start_attendances(port, owners)
        requests = checkin_requests(students[run * size : (run + 1) * size], ids)
        cpu = server_cpu_seconds(pid)
        if run % 2:
            result.without.append(await run_load(HOST, port, requests, args.concurrency))
            result.without_cpu.append(server_cpu_seconds(pid) - cpu)
        else:
            due = [len(range(index, size, count)) for index in range(count)]
            streams = [
                Stream(owners[i % count].token, ids[i % count], due[i % count])
                for i in range(args.listeners)
            ]
            listeners = Listeners(port, streams)
            listeners.start()
            result.listened.append(await run_load(HOST, port, requests, args.concurrency))
            result.heard += await asyncio.to_thread(listeners.finish, 10.0)
            result.listened_cpu.append(server_cpu_seconds(pid) - cpu)
            result.expected += sum(stream.expected for stream in streams)
        result.records_ok &= await count_records(redis, ids) == size
    return result


def report(args: argparse.Namespace, result: RoundResult) -> bool:
    baseline, checkins, timings = result.baseline, result.checkins, result.live_view_ms
    ratio = checkins.rate / baseline.rate if baseline.rate else 0.0
    expected = args.students
    ok = (
        checkins.errors == 0
        and checkins.statuses.get(201, 0) == expected
        and result.records == expected
    )
    print(f"\n== {result.workers} worker(s), concurrency {args.concurrency}")
    print(f"baseline (one Redis GET): {baseline.summary()}; server CPU {result.baseline_cpu:.2f}s")
    print(f"check-ins               : {checkins.summary()}; server CPU {result.checkin_cpu:.2f}s")
    print(f"check-in / baseline     : {ratio:.0%}")
    print(
        f"records in Redis        : {result.records} (expected {expected}) "
        f"{'OK' if ok else 'MISMATCH'}"
    )
    print(
        f"live view, {args.live_view_students} records: "
        f"median {statistics.median(timings):.1f} ms, "
        f"max {max(timings):.1f} ms over {len(timings)} requests"
    )
    if result.listened is None:
        return ok
    return report_listened(result.listened, args.students) and ok


@contextmanager
def bench_redis(redis_url: str | None, data: Path) -> Iterator[str]:
    """``redis_url``, or an embedded redis-server in ``data`` for the block's duration."""
    if redis_url is not None:
        yield redis_url
        return
    embedded = EmbeddedRedis(data)
    url = embedded.start()
    try:
        yield url
    finally:
        embedded.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--attendances", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--baseline-requests", type=int, default=10000)
    parser.add_argument("--live-view-students", type=int, default=1500)
    parser.add_argument("--live-view-runs", type=int, default=50)
    parser.add_argument(
        "--listeners", type=int, default=0, help="live-list listeners (SSE) in a second run"
    )
    parser.add_argument(
        "--pairs", type=int, default=3, help="with --listeners: runs without and with them"
    )
    parser.add_argument(
        "--redis-url", help="a Redis database the benchmark may FLUSH (default: embedded)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="attn-bench-") as tmp:
        data = Path(tmp)
        upgrade(f"sqlite:///{data / 'bench.sqlite3'}")
        with bench_redis(args.redis_url, data) as redis_url:
            results = [
                asyncio.run(run_round(args, int(w), redis_url, data))
                for w in args.workers.split(",")
            ]
    print(json.dumps({"students": args.students, "attendances": args.attendances}))
    verdicts = [report(args, result) for result in results]  # print every round
    sys.exit(0 if all(verdicts) else 1)


if __name__ == "__main__":
    main()
