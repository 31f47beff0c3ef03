"""What the job does when data is bad, the database deadlocks, or several workers compete.

Bad data (a record that does not parse, a value the database refuses) moves that one
attendance aside with its error, deletes nothing, and every other attendance persists.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from attn.config import Settings
from attn.db import keys
from attn.models.types import utcnow
from attn.persistence.errors import Failure, classify
from attn.persistence.job import PersistenceJob
from attn.persistence.summary import Outcome
from attn.runtime import Runtime
from tests.helpers.persistence import (
    assert_matches,
    in_redis,
    record_count,
    seed,
    stored_attendance,
    stored_records,
    table_count,
)
from tests.helpers.processes import run_attn

GUARD = "S00013"
"""A student number the database of a test refuses through a guard the test installs."""


async def refuse_student(runtime: Runtime, student_number: str, *, on: bool = True) -> None:
    """Install (or drop) a guard that makes the database refuse one student's record: a
    constraint violation the Redis models cannot foresee."""
    async with runtime.engine.begin() as connection:
        if runtime.engine.dialect.name == "postgresql":
            statement = (
                "ALTER TABLE attendance_records ADD CONSTRAINT test_guard "
                f"CHECK (student_number <> '{student_number}') NOT VALID"
                if on
                else "ALTER TABLE attendance_records DROP CONSTRAINT test_guard"
            )
        else:
            statement = (
                "CREATE TRIGGER test_guard BEFORE INSERT ON attendance_records "
                f"WHEN NEW.student_number = '{student_number}' "
                "BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: test_guard'); END"
                if on
                else "DROP TRIGGER test_guard"
            )
        await connection.execute(text(statement))


class TestDeadLetters:
    async def test_an_unparsable_record_moves_its_attendance_aside(
        self, job: PersistenceJob, job_runtime: Runtime
    ) -> None:
        redis = job_runtime.redis_client
        good = [await seed(redis, students=4, first=10 * n) for n in range(2)]
        bad, _ = await seed(redis, students=4, first=50)
        aid = str(bad.attendance_id)
        await redis.redis.hset(keys.records(aid), "S00099", '{"status": "present", oops')
        summary = await job.run_once()
        assert summary.outcomes[aid] is Outcome.DEAD
        assert (summary.attendances, summary.failures, summary.dead_letters) == (2, 1, 1)
        for lesson, records in good:
            assert_matches(await stored_records(job_runtime, lesson.attendance_id), records)
        # Nothing of it is written, nothing deleted: lesson and all five records stay.
        assert await stored_attendance(job_runtime, bad.attendance_id) is None
        assert await redis.get_lesson(aid) == bad
        assert await redis.redis.hlen(keys.records(aid)) == 5
        assert await redis.redis.zscore(keys.due(), aid) is None  # out of the queue
        letters = await redis.list_dead_letters()
        assert set(letters) == {aid}
        assert "S00099" in letters[aid]["error"]
        assert (await job.run_once()).outcomes == {}  # it waits for an admin

    async def test_a_corrupt_lesson_moves_its_attendance_aside(
        self, job: PersistenceJob, job_runtime: Runtime
    ) -> None:
        redis = job_runtime.redis_client
        lesson, _ = await seed(redis)
        other, other_records = await seed(redis, first=10)
        aid = str(lesson.attendance_id)
        await redis.redis.set(keys.lesson(aid), '{"attendance_id": "not even a uuid"}')
        summary = await job.run_once()
        assert summary.outcomes[aid] is Outcome.DEAD
        assert "lesson is invalid" in (await redis.list_dead_letters())[aid]["error"]
        assert await redis.redis.hlen(keys.records(aid)) == 3
        assert_matches(await stored_records(job_runtime, other.attendance_id), other_records)

    async def test_a_record_stored_under_another_students_key_is_refused(
        self, job: PersistenceJob, job_runtime: Runtime
    ) -> None:
        redis = job_runtime.redis_client
        lesson, records = await seed(redis)
        aid = str(lesson.attendance_id)
        await redis.redis.hset(keys.records(aid), "S99999", records[0].to_json())
        summary = await job.run_once()
        assert summary.outcomes[aid] is Outcome.DEAD
        assert "S99999" in (await redis.list_dead_letters())[aid]["error"]

    async def test_a_record_the_database_refuses_moves_only_its_attendance_aside(
        self, job: PersistenceJob, job_runtime: Runtime
    ) -> None:
        redis = job_runtime.redis_client
        await refuse_student(job_runtime, GUARD)
        try:
            bad, bad_records = await seed(redis, students=20, first=0)  # holds S00013
            good, good_records = await seed(redis, students=5, first=100)
            summary = await job.run_once()
        finally:
            await refuse_student(job_runtime, GUARD, on=False)
        aid = str(bad.attendance_id)
        assert summary.outcomes == {aid: Outcome.DEAD, str(good.attendance_id): Outcome.PERSISTED}
        error = (await redis.list_dead_letters())[aid]["error"]
        assert "the database refused it" in error
        assert "test_guard" in error
        # One transaction: not even the users or the attendance row of it were kept.
        assert await stored_attendance(job_runtime, bad.attendance_id) is None
        assert await table_count(job_runtime, "users") == 1 + 5
        assert await redis.redis.hlen(keys.records(aid)) == 20
        assert_matches(await stored_records(job_runtime, good.attendance_id), good_records)

        # Once the cause is fixed, an admin puts it back in line and it persists.
        assert await redis.requeue_dead_letter(aid, utcnow())
        assert (await job.run_once()).outcomes == {aid: Outcome.PERSISTED}
        assert_matches(await stored_records(job_runtime, bad.attendance_id), bad_records)
        assert await redis.list_dead_letters() == {}

    @pytest.mark.postgres
    async def test_a_nul_character_postgresql_refuses_is_a_dead_letter_not_an_outage(
        self, redis_url: str, postgres_url: str, tmp_path: Path, redis: object
    ) -> None:
        """PostgreSQL refuses NUL in text (a data error the models let through in a deletion
        reason). It must dead-letter that attendance, not stop the run as an 'outage'."""
        from tests.persistence.conftest import job_settings_for

        runtime = await Runtime.open(job_settings_for(redis_url, postgres_url, tmp_path))
        try:
            client = runtime.redis_client
            lesson, _ = await seed(client, finished=False)
            await client.soft_delete_lesson(lesson.attendance_id, "typo\x00here", lesson.ends_at)
            other, _ = await seed(client, first=10)
            summary = await PersistenceJob(runtime).run_once()
            assert not summary.database_down
            assert summary.outcomes[str(lesson.attendance_id)] is Outcome.DEAD
            assert summary.outcomes[str(other.attendance_id)] is Outcome.PERSISTED
        finally:
            await runtime.close()

    @pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)  # Redis only: one is enough
    async def test_failed_attendances_are_listed_by_the_cli(
        self, job: PersistenceJob, job_settings: Settings, tmp_path: Path
    ) -> None:
        redis = job.redis
        lesson, _ = await seed(redis)
        aid = str(lesson.attendance_id)
        await redis.redis.hset(keys.records(aid), "S00001", "{}")
        await job.run_once()
        listing = await _attn(job_settings, "persist", "--failed")
        assert listing.returncode == 0, listing.stderr
        assert aid in listing.stdout
        assert "S00001" in listing.stdout
        retried = await _attn(job_settings, "persist", "--retry", aid)
        assert retried.returncode == 0, retried.stderr
        assert await redis.redis.zscore(keys.due(), aid) is not None


class TestTransientErrors:
    @pytest.mark.postgres
    async def test_a_deadlock_is_retried_not_treated_as_an_outage(
        self,
        redis_url: str,
        postgres_url: str,
        tmp_path: Path,
        redis: object,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """A real deadlock: another transaction holds the teacher's row and then wants the
        attendance row the job has just inserted. PostgreSQL aborts the job's transaction
        (it waits longest); the job tries again and persists, the run goes on."""
        from tests.persistence.conftest import job_settings_for

        caplog.set_level(logging.INFO, logger="attn.persistence")
        runtime = await Runtime.open(job_settings_for(redis_url, postgres_url, tmp_path))
        try:
            lesson, records = await seed(runtime.redis_client)
            async with runtime.sessionmaker() as session, session.begin():  # teacher exists
                await session.execute(
                    text(
                        "INSERT INTO users (user_number, full_name, role, created_at, "
                        "updated_at) VALUES ('T1001', 'Ayşe Yılmaz', 'teacher', now(), now())"
                    )
                )
            async with runtime.engine.connect() as other:
                await other.execute(text("SET deadlock_timeout = '10s'"))  # the job detects it
                await other.execute(
                    text("SELECT 1 FROM users WHERE user_number = 'T1001' FOR UPDATE")
                )
                run = asyncio.create_task(PersistenceJob(runtime).run_once())
                try:
                    await _wait_for_lock_wait(runtime)
                    conflict = other.execute(
                        text(
                            "INSERT INTO attendances (attendance_id, lesson_name, lesson_key, "
                            "teacher_number, starts_at, ends_at, settings, created_at) VALUES "
                            "(:aid, 'x', 'x', 'T1001', now(), now() + interval '1 hour', "
                            "'{}', now())"
                        ),
                        {"aid": lesson.attendance_id},
                    )
                    await asyncio.wait_for(conflict, timeout=30)  # once the job gave way
                finally:
                    await other.rollback()
                    if not run.done():
                        await asyncio.wait({run}, timeout=30)
            summary = await run
            assert "deadlock detected" in caplog.text  # it really happened, and was retried
            assert not summary.database_down
            assert summary.outcomes == {str(lesson.attendance_id): Outcome.PERSISTED}
            assert_matches(await stored_records(runtime, lesson.attendance_id), records)
        finally:
            await runtime.close()

    def test_errors_are_classified_for_what_the_job_must_do(self) -> None:
        def pg(sqlstate: str) -> DBAPIError:
            orig = Exception("server said no")
            orig.sqlstate = sqlstate  # type: ignore[attr-defined]
            return DBAPIError("statement", {}, orig)

        assert classify(pg("40P01")) is Failure.TRANSIENT  # deadlock
        assert classify(pg("40001")) is Failure.TRANSIENT  # serialization
        assert classify(pg("23503")) is Failure.BAD_DATA  # foreign key
        assert classify(pg("22P05")) is Failure.BAD_DATA  # untranslatable character
        assert classify(pg("57P01")) is Failure.OUTAGE  # admin shutdown
        assert classify(pg("08006")) is Failure.OUTAGE  # connection failure
        assert classify(pg("42P01")) is Failure.OUTAGE  # no such table: not migrated
        assert classify(ConnectionRefusedError()) is Failure.OUTAGE
        locked = OperationalError("stmt", {}, sqlite3.OperationalError("database is locked"))
        assert classify(locked) is Failure.TRANSIENT
        no_file = OperationalError("stmt", {}, sqlite3.OperationalError("unable to open database"))
        assert classify(no_file) is Failure.OUTAGE
        assert classify(KeyError("bug")) is Failure.UNEXPECTED


class TestConcurrentWorkers:
    async def test_three_workers_over_sixty_attendances_persist_each_exactly_once(
        self, job_runtime: Runtime
    ) -> None:
        redis = job_runtime.redis_client
        seeded = [await seed(redis, students=10, first=7 * n) for n in range(60)]
        runtimes = [await Runtime.open(job_runtime.settings, role=f"w{n}") for n in range(3)]
        try:
            summaries = await asyncio.gather(*(PersistenceJob(r).run_once() for r in runtimes))
        finally:
            for runtime in runtimes:
                await runtime.close()
        persisted = [
            aid
            for summary in summaries
            for aid, outcome in summary.outcomes.items()
            if outcome is Outcome.PERSISTED
        ]
        assert sorted(persisted) == sorted(str(lesson.attendance_id) for lesson, _ in seeded)
        assert sum(summary.records for summary in summaries) == 600
        assert not any(summary.failures or summary.outage for summary in summaries)
        assert await record_count(job_runtime) == 600
        for lesson, records in seeded[::10]:
            assert_matches(await stored_records(job_runtime, lesson.attendance_id), records)
        assert not any([await in_redis(redis, lesson.attendance_id) for lesson, _ in seeded])

    @pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)
    async def test_worker_processes_share_the_work(
        self, job_runtime: Runtime, job_settings: Settings
    ) -> None:
        """``attn persist --once`` in three processes at once: the summaries add up to every
        attendance exactly once. On SQLite, where the processes also compete for the one
        write lock (the in-process case above covers PostgreSQL)."""
        redis = job_runtime.redis_client
        for n in range(51):
            await seed(redis, students=4, first=5 * n)
        runs = await asyncio.gather(*(_attn(job_settings, "persist", "--once") for _ in range(3)))
        for run in runs:
            assert run.returncode == 0, run.stderr
        totals = [_summary_field(run.stdout, "attendances") for run in runs]
        assert sum(totals) == 51
        assert sum(_summary_field(run.stdout, "records") for run in runs) == 204
        assert await record_count(job_runtime) == 204
        assert await redis.redis.dbsize() == 0


async def _attn(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real ``attn`` command line in a process of its own, on the test's servers."""
    env = {
        **os.environ,
        "ATTN_ENVIRONMENT": "test",
        "ATTN_DATA_DIR": str(settings.data_dir),
        "ATTN_REDIS_URL": str(settings.redis_url),
        "ATTN_REDIS_CLUSTER": str(settings.redis_cluster).lower(),
        "ATTN_DATABASE_URL": str(settings.database_url),
        "ATTN_AUTO_MIGRATE": "false",
        "ATTN_PERSIST_LEASE_MS": str(settings.persist_lease_ms),
        "ATTN_LOG_LEVEL": "WARNING",
    }
    return await asyncio.to_thread(run_attn, *args, env=env)


def _summary_field(output: str, name: str) -> int:
    line = next(line for line in output.splitlines() if line.startswith("persistence run:"))
    fields = dict(part.split("=", 1) for part in line.split()[2:])
    return int(fields[name])


async def _wait_for_lock_wait(runtime: Runtime) -> None:
    """Until a connection of the job waits for a lock (the teacher's row)."""
    deadline = asyncio.get_running_loop().time() + 30
    async with runtime.engine.connect() as probe:
        while asyncio.get_running_loop().time() < deadline:
            waiting = await probe.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
            )
            await probe.rollback()
            if waiting:
                return
            await asyncio.sleep(0.02)
    raise AssertionError("the job never waited for the teacher's row")
