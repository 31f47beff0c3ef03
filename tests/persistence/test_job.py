"""The persistence job end to end on real Redis and real databases (SQLite and PostgreSQL).

The steps of docs/design.md#persistence: due queue, lease, snapshot, one transaction (users
-> attendance -> records), cleanup only after the commit, only while the lease is held and
nothing changed meanwhile.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from sqlalchemy import event

from attn.clock import FrozenClock
from attn.db import keys
from attn.db.outcomes import DataOutcome
from attn.db.redis.base import lua_source
from attn.db.redis.lessons import index_keys
from attn.db.sql import repository
from attn.errors import AttendanceEnded, AttendanceFinished, NotFound
from attn.models import RecordStatus, Role
from attn.models.types import utcnow
from attn.persistence.job import PersistenceJob
from attn.persistence.parse import parse_snapshot
from attn.persistence.summary import Outcome
from attn.persistence.writer import AttendanceWriter
from attn.runtime import Runtime
from attn.services.outcomes import domain_error
from tests.helpers.factories import make_record
from tests.helpers.outcomes import refused_as
from tests.helpers.persistence import (
    assert_matches,
    in_redis,
    record_count,
    seed,
    stored_attendance,
    stored_records,
    stored_user,
    table_count,
)


class TestPersist:
    async def test_every_record_reaches_the_database_and_redis_is_emptied(
        self, job: PersistenceJob, job_runtime: Runtime
    ) -> None:
        redis = job_runtime.redis_client
        seeded = [await seed(redis, students=n, first=100 * n) for n in (1, 7, 30)]
        summary = await job.run_once()
        assert (summary.attendances, summary.records, summary.failures) == (3, 38, 0)
        for lesson, records in seeded:
            assert summary.outcomes[str(lesson.attendance_id)] is Outcome.PERSISTED
            assert_matches(await stored_records(job_runtime, lesson.attendance_id), records)
            attendance = await stored_attendance(job_runtime, lesson.attendance_id)
            assert attendance is not None
            assert attendance.finished_at == lesson.finished_at
            assert attendance.persisted_at is not None
        # Nothing of the attendances is left: no keys, no index or due entries.
        assert await redis.redis.dbsize() == 0
        assert summary.oldest_due_age is None

    async def test_a_second_run_finds_nothing_to_do(
        self, job: PersistenceJob, job_runtime: Runtime
    ) -> None:
        await seed(job_runtime.redis_client)
        assert (await job.run_once()).attendances == 1
        again = await job.run_once()
        assert (again.attendances, again.records, again.outcomes) == (0, 0, {})
        assert await record_count(job_runtime) == 3

    async def test_pending_verification_is_stored_as_rejected(
        self, job: PersistenceJob, job_runtime: Runtime
    ) -> None:
        redis = job_runtime.redis_client
        lesson, records = await seed(redis, students=1)
        pending = make_record(
            lesson.attendance_id, student_number="S77777", status=RecordStatus.PENDING
        )
        await redis.save_attendance_record_user(pending)
        await job.run_once()
        stored = await stored_records(job_runtime, lesson.attendance_id)
        assert (stored["S77777"].status, stored["S77777"].fail_reason) == (
            RecordStatus.REJECTED,
            "verification_timeout",
        )
        assert_matches(stored, [*records, pending])

    async def test_an_attendance_without_records_is_stored(
        self, job: PersistenceJob, job_runtime: Runtime
    ) -> None:
        lesson, _ = await seed(job_runtime.redis_client, students=0)
        assert (await job.run_once()).attendances == 1
        assert await stored_attendance(job_runtime, lesson.attendance_id) is not None

    async def test_a_soft_deleted_attendance_is_stored_deleted(
        self, job: PersistenceJob, job_runtime: Runtime
    ) -> None:
        redis = job_runtime.redis_client
        lesson, _ = await seed(redis, finished=False)
        await redis.soft_delete_lesson(lesson.attendance_id, "wrong lesson", utcnow())
        assert (await job.run_once()).attendances == 1
        stored = await stored_attendance(job_runtime, lesson.attendance_id)
        assert stored is not None
        assert stored.deletion_reason == "wrong lesson"
        assert await record_count(job_runtime, lesson.attendance_id) == 3
        assert not await in_redis(redis, lesson.attendance_id)

    async def test_an_attendance_still_open_is_left_alone(
        self, job: PersistenceJob, job_runtime: Runtime
    ) -> None:
        """Due by mistake (or its end moved): it goes back in the queue at its end."""
        redis = job_runtime.redis_client
        now = utcnow()
        lesson, _ = await seed(
            redis, finished=False, starts_at=now, ends_at=now + timedelta(hours=1)
        )
        await redis.redis.zadd(keys.due(), {str(lesson.attendance_id): now.timestamp() - 60})
        summary = await job.run_once()
        assert summary.outcomes == {str(lesson.attendance_id): Outcome.SKIPPED}
        assert await table_count(job_runtime, "attendances") == 0
        score = await redis.redis.zscore(keys.due(), str(lesson.attendance_id))
        assert score == lesson.ends_at.timestamp()

    async def test_a_stale_due_entry_is_dropped(
        self, job: PersistenceJob, job_runtime: Runtime
    ) -> None:
        redis = job_runtime.redis_client
        await redis.redis.zadd(keys.due(), {"0b6f8a8e-3c7f-4f4e-9d8e-1f6f3d9b2a11": 1.0})
        summary = await job.run_once()
        assert set(summary.outcomes.values()) == {Outcome.GONE}
        assert await redis.redis.zcard(keys.due()) == 0

    async def test_more_due_attendances_than_one_batch(self, job_runtime: Runtime) -> None:
        redis = job_runtime.redis_client
        job = PersistenceJob(job_runtime)
        job.batch = 4
        for index in range(11):
            await seed(redis, students=2, first=10 * index)
        summary = await job.run_once()
        assert (summary.attendances, summary.records) == (11, 22)

    async def test_each_worker_checks_out_one_connection_per_run(
        self, job: PersistenceJob, job_runtime: Runtime
    ) -> None:
        """A checkout is a pre-ping of three round trips on PostgreSQL: once per worker of
        a run, not once per attendance."""
        checkouts: list[object] = []
        event.listen(job_runtime.engine.sync_engine, "checkout", lambda *_: checkouts.append(1))
        for index in range(12):
            await seed(job_runtime.redis_client, students=2, first=10 * index)
        summary = await job.run_once()
        assert (summary.attendances, summary.failures) == (12, 0)
        assert 1 <= len(checkouts) <= job.concurrency


class TestUsers:
    async def test_missing_teacher_and_students_are_created_from_redis(
        self, job: PersistenceJob, job_runtime: Runtime
    ) -> None:
        """An empty users table: no foreign key can fail, names and roles come from Redis."""
        lesson, records = await seed(
            job_runtime.redis_client, teacher_number="T9", teacher_full_name="Prof. İlker Işık"
        )
        assert await table_count(job_runtime, "users") == 0
        assert (await job.run_once()).failures == 0
        teacher = await stored_user(job_runtime, "T9")
        assert teacher is not None
        assert (teacher.full_name, teacher.role) == ("Prof. İlker Işık", Role.TEACHER)
        for record in records:
            user = await stored_user(job_runtime, record.student_number)
            assert user is not None
            assert (user.full_name, user.role) == (record.user_full_name, Role.STUDENT)
            assert user.password_hash is None
        assert await record_count(job_runtime, lesson.attendance_id) == 3

    async def test_existing_accounts_are_never_changed(
        self, job: PersistenceJob, job_runtime: Runtime
    ) -> None:
        """A teacher who checked in somewhere as a student is not demoted; nobody is locked
        out; and the directory's name stands against a newer one from a record (the user
        directory is the admins'; a record's name only creates a missing user)."""
        created_at = utcnow() - timedelta(days=30)
        async with job_runtime.sessionmaker() as session, session.begin():
            await repository.create_user(
                session,
                user_number="S00000",
                full_name="Şükrü Gündoğdu",
                role=Role.TEACHER,
                password_hash="argon2-hash",
                at=created_at,
            )
        await seed(job_runtime.redis_client, students=2)
        await job.run_once()
        user = await stored_user(job_runtime, "S00000")
        assert user is not None
        assert (user.role, user.password_hash) == (Role.TEACHER, "argon2-hash")
        assert (user.full_name, user.updated_at) == ("Şükrü Gündoğdu", created_at)
        assert await stored_user(job_runtime, "S00001") is not None  # the missing one is made

    async def test_the_teacher_checking_in_to_their_own_lesson_stays_a_teacher(
        self, job: PersistenceJob, job_runtime: Runtime
    ) -> None:
        redis = job_runtime.redis_client
        lesson, _ = await seed(redis, students=1)
        await redis.save_attendance_record_user(
            make_record(lesson.attendance_id, student_number="T1001", user_full_name="Ayşe Yılmaz")
        )
        await job.run_once()
        teacher = await stored_user(job_runtime, "T1001")
        assert teacher is not None
        assert teacher.role is Role.TEACHER


class TestACrashAfterTheCleanup:
    async def test_the_next_run_takes_the_id_out_of_every_index(
        self, job: PersistenceJob, job_runtime: Runtime
    ) -> None:
        """A worker that died between the atomic delete and the index removal (other slots)
        left the id in the teacher's and the live index: the next run removes it there, not
        only a reader that happens to trip over it."""
        redis = job_runtime.redis_client
        lesson, _ = await seed(redis, students=3)
        aid = str(lesson.attendance_id)
        leased, snapshot = await redis.lease_and_snapshot(aid, "dead-worker", 60_000)
        assert leased
        assert snapshot is not None
        await AttendanceWriter(job_runtime.engine).write(
            parse_snapshot(aid, snapshot, utcnow()), _commit
        )
        # What the dead worker's cleanup did before it died: the script, and nothing after.
        script = redis.redis.register_script(lua_source("cleanup_persisted"))
        indexes = index_keys(lesson)
        outcome = await script(
            keys=[
                keys.lease(aid),
                keys.version(aid),
                keys.tombstone(aid),
                *keys.attendance_keys(aid),
            ],
            args=["dead-worker", snapshot.version, json.dumps(indexes), 3600],
        )
        assert outcome == "deleted"
        assert await redis.redis.sismember(keys.teacher_index(lesson.teacher_number), aid)
        assert await redis.redis.sismember(keys.live_index(), aid)

        assert (await job.run_once()).outcomes == {aid: Outcome.GONE}
        for index in indexes:
            assert not await redis.redis.sismember(index, aid)
        assert not await in_redis(redis, aid)
        assert await redis.redis.dbsize() == 0  # tombstone gone too


async def _commit() -> None:
    """``before_commit`` of the dead worker: it still held its lease."""


class TestChangesWhilePersisting:
    """A write that lands after the job read the attendance is never lost: every write bumps
    the version, the cleanup sees it, and the attendance is written again."""

    async def test_a_teacher_decision_after_the_commit_is_written_again(
        self, job_runtime: Runtime
    ) -> None:
        redis = job_runtime.redis_client
        lesson, records = await seed(redis)
        target = records[0].student_number

        class DecideAfterCommit(PersistenceJob):
            decided = False

            async def _after_commit(self, attendance_id: str) -> None:
                if not self.decided:
                    self.decided = True
                    await redis.decide_record(
                        attendance_id,
                        target,
                        status=RecordStatus.EXCUSED,
                        decided_by="T1001",
                        fail_reason=None,
                        now=utcnow(),
                    )

        summary = await DecideAfterCommit(job_runtime).run_once()
        assert summary.outcomes[str(lesson.attendance_id)] is Outcome.PERSISTED
        stored = await stored_records(job_runtime, lesson.attendance_id)
        assert (stored[target].status, stored[target].decided_by) == (RecordStatus.EXCUSED, "T1001")
        assert not await in_redis(redis, lesson.attendance_id)

    async def test_a_decision_between_the_read_and_the_commit_is_written_again(
        self, job_runtime: Runtime
    ) -> None:
        redis = job_runtime.redis_client
        lesson, records = await seed(redis)
        target = records[1].student_number

        class DecideBeforeCommit(PersistenceJob):
            decided = False

            async def _before_commit(self, attendance_id: str) -> None:
                if not self.decided:
                    self.decided = True
                    await redis.decide_record(
                        attendance_id,
                        target,
                        status=RecordStatus.ABSENT,
                        decided_by="T1001",
                        fail_reason=None,
                        now=utcnow(),
                    )

        assert (await DecideBeforeCommit(job_runtime).run_once()).attendances == 1
        stored = await stored_records(job_runtime, lesson.attendance_id)
        assert stored[target].status is RecordStatus.ABSENT

    async def test_a_record_deleted_after_the_commit_leaves_the_database_too(
        self, job_runtime: Runtime
    ) -> None:
        redis = job_runtime.redis_client
        lesson, records = await seed(redis)

        class DeleteAfterCommit(PersistenceJob):
            async def _after_commit(self, attendance_id: str) -> None:
                await redis.delete_record(attendance_id, records[0].student_number)

        assert (await DeleteAfterCommit(job_runtime).run_once()).attendances == 1
        stored = await stored_records(job_runtime, lesson.attendance_id)
        assert_matches(stored, records[1:])

    async def test_check_ins_racing_the_finish_are_stored_or_refused(
        self, job: PersistenceJob, job_runtime: Runtime
    ) -> None:
        """Students keep checking in while the teacher finishes and the job runs over and
        over: every accepted check-in ends up in the database, every other one was refused
        with a clear error; none is accepted and then dropped."""
        redis = job_runtime.redis_client
        lesson, _ = await seed(redis, students=0, finished=False, starts_at=utcnow())
        aid = lesson.attendance_id
        accepted: set[str] = set()
        refused: list[Exception] = []
        enough = asyncio.Event()

        async def student_stream(stream: int) -> None:
            for attempt in range(10_000):
                number = f"S{stream:02d}{attempt:04d}"
                try:
                    await redis.check_in(make_record(aid, student_number=number), utcnow())
                except DataOutcome as outcome:
                    exc = domain_error(outcome)
                    if not isinstance(exc, AttendanceFinished | AttendanceEnded | NotFound):
                        raise
                    refused.append(exc)
                    return
                accepted.add(number)
                if len(accepted) >= 60:
                    enough.set()
                await asyncio.sleep(0)

        async def finish_and_persist() -> None:
            await enough.wait()
            await redis.finish_lesson(aid, utcnow())
            while await in_redis(redis, aid):
                await job.run_once()

        await asyncio.gather(finish_and_persist(), *(student_stream(n) for n in range(12)))
        assert len(refused) == 12
        stored = await stored_records(job_runtime, aid)
        assert set(stored) == accepted
        # After the cleanup, a check-in is refused as "not live", not silently kept.
        with refused_as(NotFound) as late:
            await redis.check_in(make_record(aid, student_number="LATE1"), utcnow())
        assert late.value.code == "attendance_not_live"


class TestClock:
    async def test_a_frozen_runtime_clock_freezes_the_job_too(self, job_runtime: Runtime) -> None:
        """What is due, whether a lesson has ended and ``persisted_at`` all come from the
        runtime's clock, as the check-in's times do."""
        lesson, _ = await seed(job_runtime.redis_client, finished=False)  # ended an hour ago
        frozen = FrozenClock(lesson.ends_at - timedelta(minutes=10))
        job_runtime.clock = frozen
        assert (await PersistenceJob(job_runtime).run_once()).outcomes == {}  # not due yet
        frozen.set(lesson.ends_at + timedelta(minutes=5))
        summary = await PersistenceJob(job_runtime).run_once()
        assert summary.outcomes == {str(lesson.attendance_id): Outcome.PERSISTED}
        stored = await stored_attendance(job_runtime, lesson.attendance_id)
        assert stored is not None
        assert stored.persisted_at == frozen.now()


class TestLeases:
    async def test_an_attendance_leased_by_another_worker_is_skipped(
        self, job: PersistenceJob, job_runtime: Runtime
    ) -> None:
        redis = job_runtime.redis_client
        lesson, _ = await seed(redis)
        assert await redis.acquire_lease(lesson.attendance_id, "someone-else", 10_000)
        summary = await job.run_once()
        assert summary.outcomes == {str(lesson.attendance_id): Outcome.SKIPPED}
        assert await table_count(job_runtime, "attendances") == 0
        assert await in_redis(redis, lesson.attendance_id)

    async def test_a_lease_lost_before_the_commit_rolls_back(self, job_runtime: Runtime) -> None:
        """Another worker took the attendance over (our lease ran out): nothing we wrote
        is committed, nothing is cleaned up, and the next run persists it."""
        redis = job_runtime.redis_client
        lesson, records = await seed(redis)

        class LoseLease(PersistenceJob):
            async def _before_commit(self, attendance_id: str) -> None:
                await redis.redis.set(keys.lease(attendance_id), "taken-over-by-another", px=50)

        summary = await LoseLease(job_runtime).run_once()
        assert summary.outcomes == {str(lesson.attendance_id): Outcome.RETRY}
        assert await table_count(job_runtime, "attendances") == 0
        assert await table_count(job_runtime, "users") == 0
        assert await in_redis(redis, lesson.attendance_id)
        await asyncio.sleep(0.1)
        assert (await PersistenceJob(job_runtime).run_once()).attendances == 1
        assert_matches(await stored_records(job_runtime, lesson.attendance_id), records)

    async def test_a_worker_that_lost_its_lease_cannot_overwrite_newer_data(
        self, job_runtime: Runtime
    ) -> None:
        """Worker A stalls between reading the attendance and writing it, past its lease;
        worker B takes over and persists a newer version (a teacher's decision made
        meanwhile). When A wakes up it must not commit its older snapshot over B's data:
        its lease check before COMMIT fails and everything it wrote is rolled back."""
        redis = job_runtime.redis_client
        lesson, records = await seed(redis)
        aid = str(lesson.attendance_id)
        target = records[0].student_number
        stalled, resume = asyncio.Event(), asyncio.Event()

        class Stalls(PersistenceJob):
            async def _before_write(self, attendance_id: str) -> None:
                stalled.set()
                await resume.wait()

        a = asyncio.create_task(Stalls(job_runtime).run_once())
        await stalled.wait()
        await redis.decide_record(
            aid,
            target,
            status=RecordStatus.EXCUSED,
            decided_by="T1001",
            fail_reason=None,
            now=utcnow(),
        )
        await redis.redis.delete(keys.lease(aid))  # A's lease ran out
        summary_b = await PersistenceJob(job_runtime).run_once()
        assert summary_b.outcomes[aid] is Outcome.PERSISTED
        resume.set()
        summary_a = await a
        assert summary_a.outcomes[aid] is Outcome.RETRY
        stored = await stored_records(job_runtime, lesson.attendance_id)
        assert stored[target].status is RecordStatus.EXCUSED
        assert (stored[target].status, stored[target].decided_by) == (RecordStatus.EXCUSED, "T1001")
        assert not await in_redis(redis, aid)
