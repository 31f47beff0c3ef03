"""``attn serve`` and ``attn migrate`` as a user runs them: real processes, embedded defaults."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis as sync_redis

from tests.helpers.processes import attn_serve, clean_env, run_attn


class TestServe:
    @pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
    def test_embedded_defaults_come_up_ready_and_shut_down_cleanly(
        self, tmp_path: Path, stop: signal.Signals
    ) -> None:
        """Ctrl-C, and SIGTERM as systemd or docker stop it: uvicorn raises SIGTERM again
        after its shutdown, which used to end the process with the embedded Redis running."""
        data_dir = tmp_path / "data"
        with attn_serve(clean_env(data_dir), stop) as served:
            assert served.ready == {"status": "ok", "redis": "ok", "database": "ok"}
            assert (data_dir / "attn.sqlite3").exists()
            assert (data_dir / "redis" / "server.json").exists()
        assert served.returncode == 0, served.stderr
        assert not (data_dir / "redis" / "server.json").exists(), "embedded redis left running"

    def test_the_client_address_is_the_connection_unless_a_proxy_is_configured(
        self, tmp_path: Path
    ) -> None:
        """uvicorn would take X-Forwarded-For from 127.0.0.1 by itself; ATTN trusts only the
        proxies its settings name (none here), so the access log names the connection."""
        with attn_serve(clean_env(tmp_path / "data", ATTN_LOG_LEVEL="INFO")) as served:
            response = httpx.get(
                f"{served.base_url}/health", headers={"X-Forwarded-For": "203.0.113.9"}
            )
            assert response.status_code == 200
        stderr = served.stderr
        lines = [line for line in stderr.splitlines() if "/health" in line]
        assert lines, stderr
        assert "127.0.0.1" in lines[-1]
        assert "203.0.113.9" not in stderr


class TestMigrate:
    def test_creates_the_schema_on_sqlite(self, tmp_path: Path) -> None:
        database = tmp_path / "fresh.sqlite3"
        env = clean_env(tmp_path, ATTN_DATABASE_URL=f"sqlite:///{database}")
        done = run_attn("migrate", env=env)
        assert done.returncode == 0, done.stderr
        with closing(sqlite3.connect(database)) as connection:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        assert {"users", "attendances", "attendance_records", "audit_log"} <= tables

    def test_unreachable_database_is_one_line_and_nonzero(self, tmp_path: Path) -> None:
        env = clean_env(tmp_path, ATTN_DATABASE_URL="postgresql://attn@127.0.0.1:9/attn")
        done = run_attn("migrate", env=env)
        assert done.returncode != 0
        assert "Traceback" not in done.stderr
        assert done.stderr.strip().startswith("error: migration failed")
        assert len(done.stderr.strip().splitlines()) == 1

    def test_invalid_setting_is_one_line_and_exit_2(self, tmp_path: Path) -> None:
        env = clean_env(tmp_path, ATTN_SESSION_TTL_STUDENT="soon")
        done = run_attn("migrate", env=env)
        assert done.returncode == 2
        assert "session_ttl_student" in done.stderr
        assert "Traceback" not in done.stderr


def _restarted_state(data_dir: Path, old_pid: int) -> dict[str, Any]:
    """``server.json`` once the supervisor has recorded the new server: it is rewritten a
    moment after the new server first answers, which ``/ready`` may already see."""
    deadline = time.monotonic() + 10
    while True:
        path = data_dir / "redis" / "server.json"
        try:
            state: dict[str, Any] = json.loads(path.read_text())
        except (OSError, ValueError):
            state = {}
        if state.get("pid") not in (None, old_pid) or time.monotonic() > deadline:
            return state
        time.sleep(0.05)


def _embedded_state(data_dir: Path) -> dict[str, Any]:
    state: dict[str, Any] = json.loads((data_dir / "redis" / "server.json").read_text())
    return state


def _redis_servers_on(data_dir: Path) -> list[int]:
    """Pids of the redis-server processes running on ``data_dir`` (zombies excluded)."""
    folder = str((data_dir / "redis").resolve())
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:  # redis-server rewrites its command line, but runs in its --dir
            comm = (proc / "comm").read_text().strip()
            cwd = os.readlink(proc / "cwd")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if comm == "redis-server" and cwd == folder and state != "Z":
            pids.append(int(proc.name))
    return pids


def _ready_within(base_url: str, seconds: float) -> float:
    """Seconds until /ready answered 200 again (fails the test past ``seconds``)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/ready", timeout=2).status_code == 200:
                return time.monotonic() - started
        time.sleep(0.1)
    pytest.fail(f"/ready not 200 within {seconds}s")


def _pid_gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes in /proc")
class TestEmbeddedRedisSupervision:
    """Issue 12.4: ``attn serve`` owns and supervises the embedded Redis of its data dir."""

    @pytest.fixture(autouse=True)
    def _no_redis_left(self, tmp_path: Path) -> Iterator[None]:
        yield
        for pid in _redis_servers_on(tmp_path / "data"):  # never leave a server behind
            os.kill(pid, signal.SIGKILL)

    def test_a_killed_embedded_redis_is_restarted_with_its_data(self, tmp_path: Path) -> None:
        data_dir = tmp_path / "data"
        with attn_serve(clean_env(data_dir)) as served:
            before = _embedded_state(data_dir)
            client = sync_redis.Redis.from_url(before["url"], decode_responses=True)
            client.set("attn:test:before-the-crash", "kept")
            client.close()
            time.sleep(1.2)  # past appendfsync everysec
            os.kill(before["pid"], signal.SIGKILL)
            assert _ready_within(served.base_url, 10) < 10
            after = _restarted_state(data_dir, before["pid"])
            assert after["url"] == before["url"]  # same socket: the clients reconnect
            assert after["pid"] != before["pid"]
            client = sync_redis.Redis.from_url(after["url"], decode_responses=True)
            assert client.get("attn:test:before-the-crash") == "kept"
            client.close()
            assert _redis_servers_on(data_dir) == [after["pid"]]
        assert served.returncode == 0, served.stderr
        assert _pid_gone(after["pid"])
        assert not (data_dir / "redis" / "server.json").exists()

    def test_serve_outlives_the_cli_process_that_started_redis(self, tmp_path: Path) -> None:
        """``attn worker`` starts the embedded Redis, ``attn serve`` joins, the worker exits:
        the server keeps its Redis (it used to be stopped with the worker: 503s)."""
        data_dir = tmp_path / "data"
        env = clean_env(data_dir)
        worker = subprocess.Popen(
            [sys.executable, "-m", "attn", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while not (data_dir / "redis" / "server.json").exists():
                assert worker.poll() is None, "attn worker exited"
                assert time.monotonic() < deadline, "attn worker started no redis"
                time.sleep(0.1)
            started_by_worker = _embedded_state(data_dir)["pid"]
            with attn_serve(env) as served:
                worker.send_signal(signal.SIGTERM)
                assert worker.wait(timeout=30) == 0
                time.sleep(0.5)
                response = httpx.get(f"{served.base_url}/ready", timeout=5)
                assert response.status_code == 200, response.text
                assert _embedded_state(data_dir)["pid"] == started_by_worker
            assert served.returncode == 0, served.stderr
            assert _pid_gone(started_by_worker)  # the server that adopted it stopped it
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    def test_a_user_added_before_serve_can_log_in(self, tmp_path: Path) -> None:
        env = clean_env(tmp_path / "data")
        done = run_attn(
            "user", "add", "T7001", "--name", "Ayşe Yılmaz", "--role", "teacher",
            "--password", "a-long-teacher-pass", env=env,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        with attn_serve(env) as served:
            response = httpx.post(
                f"{served.base_url}/api/v1/auth/login",
                json={"user_number": "T7001", "password": "a-long-teacher-pass"},
            )
            assert response.status_code == 200, response.text
        assert served.returncode == 0, served.stderr

    def test_the_redis_left_by_a_killed_serve_is_taken_over(self, tmp_path: Path) -> None:
        data_dir = tmp_path / "data"
        env = clean_env(data_dir)
        with attn_serve(env, signal.SIGKILL):
            left_over = _embedded_state(data_dir)["pid"]
        assert _redis_servers_on(data_dir) == [left_over]  # SIGKILL: nobody stopped it
        with attn_serve(env) as served:
            assert served.ready == {"status": "ok", "redis": "ok", "database": "ok"}
            assert _redis_servers_on(data_dir) == [left_over]  # reused, not a second one
        assert served.returncode == 0, served.stderr
        assert _pid_gone(left_over)
        assert not (data_dir / "redis" / "server.json").exists()
        assert not (data_dir / "redis" / "redis.sock").exists()


class TestBusyPort:
    def test_a_second_serve_says_the_port_is_taken_and_says_nothing_of_listening(
        self, tmp_path: Path
    ) -> None:
        """The second process must not claim to listen, nor start an embedded Redis, before
        it finds the port taken by the first."""
        with attn_serve(clean_env(tmp_path / "first")) as served:
            port = served.base_url.rsplit(":", 1)[1]
            second_dir = tmp_path / "second"
            done = subprocess.run(
                [sys.executable, "-m", "attn", "serve", "--port", port],
                env=clean_env(second_dir, ATTN_LOG_LEVEL="INFO"),
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert httpx.get(f"{served.base_url}/ready").status_code == 200
        assert done.returncode == 3, done.stderr
        assert done.stderr.splitlines() == [
            f"error: port {port} on 127.0.0.1 is already in use (another attn serve?); "
            "stop it or choose another port with --port"
        ]
        assert "listening" not in done.stdout + done.stderr
        assert not (second_dir / "redis").exists(), "started an embedded redis for nothing"

    def test_listening_is_said_once(self, tmp_path: Path) -> None:
        with attn_serve(clean_env(tmp_path / "data")) as served:
            pass
        port = served.base_url.rsplit(":", 1)[1]
        lines = served.stderr.splitlines()
        listening = [line for line in lines if "listening" in line]
        assert listening == [f"ATTN listening on http://127.0.0.1:{port}  (API docs: /docs)"]
