"""Live attendances live only in Redis until persisted: a Redis restart must not lose them.

The embedded server runs with the append-only file on. Here its process is killed with
SIGKILL (a crash, not a clean shutdown) and started again on the same data dir. A Redis
with no persistence at all is warned about at start-up.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from attn.db import keys
from attn.embedded import EmbeddedRedis, redis_server_binary
from attn.models.types import utcnow
from attn.persistence.job import PersistenceJob
from attn.persistence.summary import Outcome
from attn.runtime import Runtime
from tests.helpers.factories import make_record
from tests.helpers.persistence import assert_matches, seed, stored_records
from tests.persistence.conftest import job_settings_for

WARNING = "has no persistence configured"


@pytest.fixture
def bare_redis() -> Iterator[str]:
    """A redis-server with neither AOF nor RDB snapshots (a misconfigured production one)."""
    folder = Path(tempfile.mkdtemp(prefix="attn-bare-redis-"))
    sock = folder / "redis.sock"
    args = ["--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700"]
    args += ["--appendonly", "no", "--save", "", "--dir", str(folder)]
    process = subprocess.Popen([str(redis_server_binary()), *args], stdout=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if sock.exists():
                break
            process.poll()
            assert process.returncode is None, "redis-server did not start"
            time.sleep(0.02)
        yield f"unix://{sock}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


class TestRedisRestart:
    async def test_live_attendances_and_their_records_survive_a_redis_crash(
        self, sqlite_url: str, tmp_path: Path
    ) -> None:
        data = tmp_path / "data"
        servers = [EmbeddedRedis(data), EmbeddedRedis(data)]  # before and after the crash
        try:
            settings = job_settings_for(servers[0].start(), sqlite_url, data)
            runtime = await Runtime.open(settings, role="before-crash")
            try:
                client = runtime.redis_client
                live, _ = await seed(client, students=0, finished=False, starts_at=utcnow())
                checked_in = [
                    make_record(live.attendance_id, student_number=f"S{n}") for n in range(40)
                ]
                for record in checked_in:
                    await client.check_in(record, utcnow())
                done, done_records = await seed(client, students=12, first=100)
                version = await client.redis.get(keys.version(live.attendance_id))
            finally:
                await runtime.close()
            assert servers[0].pid is not None
            os.kill(servers[0].pid, signal.SIGKILL)  # a crash: no SHUTDOWN, no final save
            servers[0].stop()  # reaps the dead process

            url = servers[1].start()
            assert servers[1].owned  # a new server process, on the same append-only file
            runtime = await Runtime.open(job_settings_for(url, sqlite_url, data), role="after")
            try:
                client = runtime.redis_client
                assert await client.get_lesson(live.attendance_id) == live
                assert await client.get_attendance_record_users(live.attendance_id) == sorted(
                    checked_in, key=lambda record: record.student_number
                )
                assert await client.redis.get(keys.version(live.attendance_id)) == version
                assert live in await client.teacher_lessons(live.teacher_number)
                # Classes go on: check-ins keep working on the restarted server...
                late = make_record(live.attendance_id, student_number="S-after-restart")
                assert (await client.check_in(late, utcnow())).created
                # ...and the finished attendance is still due and gets persisted.
                summary = await PersistenceJob(runtime).run_once()
                assert summary.outcomes == {str(done.attendance_id): Outcome.PERSISTED}
                assert_matches(await stored_records(runtime, done.attendance_id), done_records)
            finally:
                await runtime.close()
        finally:
            for server in servers:
                server.stop()

    async def test_a_redis_without_persistence_is_warned_about_at_start_up(
        self,
        bare_redis: str,
        redis_url: str,
        sqlite_url: str,
        tmp_path: Path,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        caplog.set_level(logging.WARNING, logger="attn.runtime")
        runtime = await Runtime.open(job_settings_for(bare_redis, sqlite_url, tmp_path))
        await runtime.close()
        assert WARNING in caplog.text
        assert "restart loses live attendances" in caplog.text

    async def test_the_embedded_redis_is_not_warned_about(
        self, sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.WARNING, logger="attn.runtime")
        server = EmbeddedRedis(tmp_path / "data")
        try:
            runtime = await Runtime.open(job_settings_for(server.start(), sqlite_url, tmp_path))
            await runtime.close()
        finally:
            server.stop()
        assert WARNING not in caplog.text
