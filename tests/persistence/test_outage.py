"""A database outage: PostgreSQL really stopped (``pg_ctl stop``) and started again.

The data stays in Redis, the job says so in the log and backs off, and catches up once
the database is back. Meanwhile classes go on: check-ins and the live views work from
Redis and ``/ready`` reports the database as degraded.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter
from pathlib import Path
from uuid import UUID

import httpx
import pytest

from attn.config import Environment, Settings
from attn.db import keys
from attn.db.sql import repository
from attn.persistence.job import PersistenceJob
from attn.persistence.summary import Outcome
from attn.persistence.worker import run_worker
from attn.runtime import Runtime
from tests.fixtures.app import MakeUser
from tests.helpers.persistence import (
    assert_matches,
    eventually,
    in_redis,
    record_count,
    seed,
    stored_records,
)
from tests.persistence.conftest import StoppablePostgres, job_settings_for

pytestmark = pytest.mark.postgres

ATTENDANCES = "/api/v1/attendances"


def url(attendance_id: str, *parts: str) -> str:
    return "/".join([ATTENDANCES, attendance_id, *parts])


class TestDatabaseOutage:
    async def test_data_stays_in_redis_the_worker_backs_off_and_catches_up(
        self,
        redis_url: str,
        redis: object,
        outage_database: str,
        stoppable_postgres: StoppablePostgres,
        tmp_path: Path,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        caplog.set_level(logging.INFO, logger="attn.persistence")
        runtime = await Runtime.open(job_settings_for(redis_url, outage_database, tmp_path))
        try:
            client = runtime.redis_client
            seeded = [await seed(client, students=6, first=10 * n) for n in range(5)]
            stoppable_postgres.stop()

            summary = await PersistenceJob(runtime).run_once()
            assert summary.database_down
            assert summary.attendances == 0
            assert set(summary.outcomes.values()) <= {Outcome.RETRY}
            assert "database unavailable, attendances stay in Redis" in caplog.text
            assert await client.redis.zcard(keys.due()) == 5  # still queued, none dropped
            assert await client.list_dead_letters() == {}  # an outage is not bad data
            for lesson, _ in seeded:
                assert await client.redis.hlen(keys.records(lesson.attendance_id)) == 6

            stop = asyncio.Event()
            worker = asyncio.create_task(run_worker(runtime, stop, interval=0.05))
            await eventually(lambda: _backoffs_logged(caplog, 4))
            stoppable_postgres.start()
            await eventually(lambda: _nothing_due(runtime))
            stop.set()
            await asyncio.wait_for(worker, timeout=15)
        finally:
            stoppable_postgres.start()
            await runtime.close()
        delays = _backoff_delays(caplog.text)
        assert delays[:3] == sorted(delays[:3])  # it backs off...
        assert delays[2] > delays[0]
        assert "persistence reaches the database and Redis again" in caplog.text
        check = await Runtime.open(runtime.settings, role="check")
        try:
            assert await record_count(check) == 30  # each record once
            for lesson, records in seeded:
                assert_matches(await stored_records(check, lesson.attendance_id), records)
                assert not await in_redis(check.redis_client, lesson.attendance_id)
        finally:
            await check.close()


class TestClassesGoOnDuringAnOutage:
    """End to end through the HTTP API, with the persistence job running inside the app
    on its schedule, as ``attn serve`` runs it."""

    @pytest.fixture
    def app_settings(
        self, redis_url: str, outage_database: str, tmp_path: Path, redis: object
    ) -> Settings:
        return Settings(
            environment=Environment.TEST,
            data_dir=tmp_path / "data",
            redis_url=redis_url,
            database_url=outage_database,
            auto_migrate=False,
            persist_enabled=True,
            persist_interval=0.1,
            persist_lease_ms=1000,
        )

    async def test_check_ins_and_live_views_work_and_the_job_catches_up(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        make_user: MakeUser,
        stoppable_postgres: StoppablePostgres,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        caplog.set_level(logging.INFO, logger="attn.persistence")
        teacher = await make_user("teacher")
        students = [await make_user("student") for _ in range(3)]  # logged in while it is up
        try:
            stoppable_postgres.stop()
            ready = await api.get("/ready")
            assert ready.status_code == 200
            assert ready.json() == {"status": "degraded", "redis": "ok", "database": "down"}

            started = await api.post(
                ATTENDANCES,
                json={"lesson_name": "Veri Yapıları", "duration_minutes": 60},
                headers=teacher.headers,
            )
            assert started.status_code == 201, started.text
            aid = started.json()["attendance_id"]
            for student in students:
                response = await api.post(url(aid, "check-in"), headers=student.headers)
                assert response.status_code == 201, response.text
            live = await api.get(url(aid, "records"), headers=teacher.headers)
            assert live.status_code == 200, live.text
            assert len(live.json()["records"]) == 3
            finished = await api.post(url(aid, "finish"), headers=teacher.headers)
            assert finished.status_code == 200, finished.text

            await eventually(lambda: _logged(caplog, "database unavailable"))
            assert await runtime.redis_client.count_records(aid) == 3
            stoppable_postgres.start()
            await eventually(lambda: _gone(runtime, aid))
        finally:
            stoppable_postgres.start()
        assert (await api.get("/ready")).json()["status"] == "ok"
        stored = await stored_records(runtime, UUID(aid))
        assert set(stored) == {student.user_number for student in students}

    async def test_every_decision_taken_during_the_outage_is_audited_once(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        make_user: MakeUser,
        stoppable_postgres: StoppablePostgres,
    ) -> None:
        """The outage of the report that found the hole: 16 teacher decisions while
        PostgreSQL is stopped; after it is back, 16 decision entries in ``audit_log``."""
        teacher = await make_user("teacher")
        students = [await make_user("student") for _ in range(8)]
        try:
            stoppable_postgres.stop()
            started = await api.post(
                ATTENDANCES,
                json={"lesson_name": "Veri Yapıları", "duration_minutes": 60},
                headers=teacher.headers,
            )
            assert started.status_code == 201, started.text
            aid = started.json()["attendance_id"]
            for student in students:
                checked = await api.post(url(aid, "check-in"), headers=student.headers)
                assert checked.status_code == 201, checked.text
            decisions = 0
            for index, student in enumerate(students):
                record = url(aid, "records", student.user_number)
                for verb in ("reject", "accept"):
                    response = await api.post(
                        f"{record}/{verb}",
                        json={"reason": f"karar {index} {verb}"},
                        headers=teacher.headers,
                    )
                    assert response.status_code == 200, response.text
                    decisions += 1
            assert decisions == 16
            added = await api.put(
                url(aid, "records", "S9999"),
                json={"status": "present", "full_name": "Geç Gelen", "reason": "sonradan"},
                headers=teacher.headers,
            )
            assert added.status_code == 201, added.text
            deleted = await api.request(
                "DELETE",
                url(aid, "records", students[0].user_number),
                json={"reason": "yanlış ders"},
                headers=teacher.headers,
            )
            assert deleted.status_code == 204, deleted.text
            finished = await api.post(url(aid, "finish"), headers=teacher.headers)
            assert finished.status_code == 200, finished.text
            stoppable_postgres.start()
            await eventually(lambda: _gone(runtime, aid))
        finally:
            stoppable_postgres.start()
        async with runtime.sessionmaker() as session:
            page = await repository.list_audit(session, attendance_id=UUID(aid), limit=100)
        actions = Counter(entry.action for entry in page.items)
        assert actions == {
            "attendance_started": 1,
            "record_rejected": 8,
            "record_accepted": 8,
            "record_saved": 1,
            "record_deleted": 1,
            "attendance_finished": 1,
        }
        assert len({entry.entry_id for entry in page.items}) == page.total == 20
        reasons = {e.details.get("reason") for e in page.items if e.action == "record_rejected"}
        assert reasons == {f"karar {index} reject" for index in range(8)}


def _backoff_delays(log: str) -> list[float]:
    return [float(m) for m in re.findall(r"next persistence run in ([0-9.]+)s", log)]


async def _backoffs_logged(caplog: pytest.LogCaptureFixture, count: int) -> bool:
    return len(_backoff_delays(caplog.text)) >= count


async def _logged(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    return text in caplog.text


async def _nothing_due(runtime: Runtime) -> bool:
    return await runtime.redis_client.redis.zcard(keys.due()) == 0


async def _gone(runtime: Runtime, attendance_id: str) -> bool:
    return not await in_redis(runtime.redis_client, attendance_id)
