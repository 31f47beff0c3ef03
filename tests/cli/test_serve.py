"""``attn serve`` and ``attn migrate`` as a user runs them: real processes, embedded defaults."""

from __future__ import annotations

import signal
import sqlite3
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from tests.process_support import attn_serve, clean_env, run_attn


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
