"""A hung database: PostgreSQL frozen (SIGSTOP), connections open, nothing answering.

Unlike a stopped server, a frozen one refuses nothing: without bounds every SQL call waits
for ever. Live actions must not touch SQL at all, stored reads must give up after the
statement timeout with a 503, and ``/ready`` must answer within a probe's timeout.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event

from attn.api.health import PROBE_TIMEOUT_S, settle_probes
from attn.config import Environment, Settings
from attn.persistence.job import PersistenceJob
from attn.runtime import Runtime
from tests.fixtures.app import MakeUser, error_code
from tests.persistence.conftest import StoppablePostgres

pytestmark = pytest.mark.postgres

ATTENDANCES = "/api/v1/attendances"
STATEMENT_TIMEOUT_S = 1.0
MARGIN_S = 1.5
PROBE_SLACK_S = 1.0
"""Event-loop and pool overhead on a loaded test machine, on top of the timeout."""
HANG_S = 20.0


@pytest.fixture(params=[False, True], ids=["api", "api+job"])
def app_settings(
    request: pytest.FixtureRequest,
    redis_url: str,
    outage_database: str,
    tmp_path: Path,
    redis: object,
) -> Settings:
    """The app alone, and with the persistence job in it as ``attn serve`` runs it."""
    return Settings(
        environment=Environment.TEST,
        data_dir=tmp_path / "data",
        redis_url=redis_url,
        database_url=outage_database,
        auto_migrate=False,
        persist_enabled=request.param,
        persist_interval=0.1,
        database_statement_timeout=STATEMENT_TIMEOUT_S,
    )


@pytest.fixture
def frozen(stoppable_postgres: StoppablePostgres) -> Iterator[StoppablePostgres]:
    """Freeze on demand; thawed whatever the test does."""
    try:
        yield stoppable_postgres
    finally:
        stoppable_postgres.thaw()


async def _start(api: httpx.AsyncClient, headers: dict[str, str]) -> str:
    started = await api.post(
        ATTENDANCES, json={"lesson_name": "Veri Yapıları", "duration_minutes": 60}, headers=headers
    )
    assert started.status_code == 201, started.text
    return str(started.json()["attendance_id"])


async def _timed(
    api: httpx.AsyncClient, method: str, url: str, **kwargs: object
) -> tuple[httpx.Response, float]:
    began = time.monotonic()
    # bounded, so a request that would hang for ever fails the test instead
    response = await asyncio.wait_for(
        api.request(method, url, **kwargs),  # type: ignore[arg-type]
        timeout=HANG_S,
    )
    return response, time.monotonic() - began


class TestFrozenDatabase:
    async def test_finishing_a_live_attendance_needs_no_sql(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        make_user: MakeUser,
        frozen: StoppablePostgres,
    ) -> None:
        teacher = await make_user("teacher")  # the pool now holds an open connection
        aid = await _start(api, teacher.headers)
        checkouts: list[object] = []
        event.listen(runtime.engine.sync_engine, "checkout", lambda *args: checkouts.append(args))
        frozen.freeze()
        response, seconds = await _timed(
            api, "POST", f"{ATTENDANCES}/{aid}/finish", headers=teacher.headers
        )
        assert response.status_code == 200, response.text
        assert seconds < 0.5
        if not runtime.settings.persist_enabled:  # the job may try (and hang) meanwhile
            assert checkouts == []  # the request never asked the pool for a connection

    async def test_a_stored_attendance_read_gives_up_with_503(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        make_user: MakeUser,
        frozen: StoppablePostgres,
    ) -> None:
        teacher = await make_user("teacher")
        aid = await _start(api, teacher.headers)
        finished = await api.post(f"{ATTENDANCES}/{aid}/finish", headers=teacher.headers)
        assert finished.status_code == 200, finished.text
        await PersistenceJob(runtime).run_once()
        stored = await api.get(f"{ATTENDANCES}/{aid}", headers=teacher.headers)
        assert stored.status_code == 200, stored.text  # read from SQL while it answers
        frozen.freeze()
        for _ in range(2):  # the pooled connection, then a new one (its connect hangs)
            response, seconds = await _timed(
                api, "GET", f"{ATTENDANCES}/{aid}", headers=teacher.headers
            )
            assert response.status_code == 503, response.text
            assert error_code(response) == "database_unavailable"
            assert response.headers["Retry-After"]
            # a pooled connection costs a pre-ping and a new connection attempt, each bounded
            assert seconds < 2 * STATEMENT_TIMEOUT_S + MARGIN_S

    async def test_ready_answers_within_its_probe_timeout(
        self, api: httpx.AsyncClient, make_user: MakeUser, frozen: StoppablePostgres
    ) -> None:
        await make_user("teacher")
        frozen.freeze()
        for _ in range(2):
            response, seconds = await _timed(api, "GET", "/ready")
            # bounded by the probe's own timeout (plus a loaded machine's slack), not by the
            # statement timeout, which a pooled connection would wait for twice (2 s)
            assert seconds < PROBE_TIMEOUT_S + PROBE_SLACK_S
            assert response.status_code == 200, response.text
            assert response.json() == {"status": "degraded", "redis": "ok", "database": "down"}
        frozen.thaw()
        await settle_probes()  # the late probe ends once the server answers again
