"""``attn serve`` and ``attn migrate`` as a user runs them: real processes, embedded defaults."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import httpx
import pytest

READY_TIMEOUT_S = 60


def _clean_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTN_")}
    env.update({"ATTN_DATA_DIR": str(data_dir), "ATTN_LOG_LEVEL": "WARNING", **extra})
    return env


def _free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _attn(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "attn", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class TestServe:
    def test_embedded_defaults_come_up_ready_and_shut_down_cleanly(self, tmp_path: Path) -> None:
        port = _free_port()
        data_dir = tmp_path / "data"
        process = subprocess.Popen(
            [sys.executable, "-m", "attn", "serve", "--port", str(port)],
            env=_clean_env(data_dir),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            body = _wait_ready(f"http://127.0.0.1:{port}/ready", process)
            assert body == {"status": "ok", "redis": "ok", "database": "ok"}
            assert (data_dir / "attn.sqlite3").exists()
            assert (data_dir / "redis" / "server.json").exists()
        finally:
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=30)
        assert process.returncode == 0, stderr
        assert not (data_dir / "redis" / "server.json").exists(), "embedded redis left running"

    def test_the_client_address_is_the_connection_unless_a_proxy_is_configured(
        self, tmp_path: Path
    ) -> None:
        """uvicorn would take X-Forwarded-For from 127.0.0.1 by itself; ATTN trusts only the
        proxies its settings name (none here), so the access log names the connection."""
        port = _free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "attn", "serve", "--port", str(port)],
            env=_clean_env(tmp_path / "data", ATTN_LOG_LEVEL="INFO"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            _wait_ready(f"http://127.0.0.1:{port}/ready", process)
            response = httpx.get(
                f"http://127.0.0.1:{port}/health", headers={"X-Forwarded-For": "203.0.113.9"}
            )
            assert response.status_code == 200
        finally:
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=30)
        lines = [line for line in stderr.splitlines() if "/health" in line]
        assert lines, stderr
        assert "127.0.0.1" in lines[-1]
        assert "203.0.113.9" not in stderr


def _wait_ready(url: str, process: subprocess.Popen[str]) -> object:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"attn serve exited early: {process.stderr.read() if process.stderr else ''}"
            )
        try:
            response = httpx.get(url, timeout=1)
        except httpx.HTTPError:
            time.sleep(0.2)
            continue
        if response.status_code == 200:
            return response.json()
        time.sleep(0.2)
    pytest.fail(f"{url} not ready within {READY_TIMEOUT_S}s")


class TestMigrate:
    def test_creates_the_schema_on_sqlite(self, tmp_path: Path) -> None:
        database = tmp_path / "fresh.sqlite3"
        env = _clean_env(tmp_path, ATTN_DATABASE_URL=f"sqlite:///{database}")
        done = _attn("migrate", env=env)
        assert done.returncode == 0, done.stderr
        with closing(sqlite3.connect(database)) as connection:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        assert {"users", "attendances", "attendance_records", "audit_log"} <= tables

    def test_unreachable_database_is_one_line_and_nonzero(self, tmp_path: Path) -> None:
        env = _clean_env(tmp_path, ATTN_DATABASE_URL="postgresql://attn@127.0.0.1:9/attn")
        done = _attn("migrate", env=env)
        assert done.returncode != 0
        assert "Traceback" not in done.stderr
        assert done.stderr.strip().startswith("error: migration failed")
        assert len(done.stderr.strip().splitlines()) == 1

    def test_invalid_setting_is_one_line_and_exit_2(self, tmp_path: Path) -> None:
        env = _clean_env(tmp_path, ATTN_SESSION_TTL_STUDENT="soon")
        done = _attn("migrate", env=env)
        assert done.returncode == 2
        assert "session_ttl_student" in done.stderr
        assert "Traceback" not in done.stderr
