"""Taking a persistence lease and reading the snapshot in one MULTI (one round trip)."""

from __future__ import annotations

from uuid import uuid4

import pytest
from pydantic import ValidationError

from attn.db import keys
from attn.db.redis_client import RedisClient
from attn.db.redis_connection import AnyRedis
from attn.models.types import utcnow
from tests.helpers.factories import make_lesson, make_record


class TestLeaseAndSnapshot:
    async def test_the_lease_holder_gets_the_snapshot_others_get_nothing(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        lesson = make_lesson()
        await redis_client.create_lesson(lesson, due_at=lesson.ends_at)
        records = [make_record(lesson.attendance_id, student_number=f"S{i}") for i in range(3)]
        for record in records:
            await redis_client.check_in(record, utcnow())

        leased, snapshot = await redis_client.lease_and_snapshot(lesson.attendance_id, "a", 30_000)
        assert leased
        assert snapshot is not None
        assert snapshot.lesson == lesson
        assert snapshot.raw_records == {r.student_number: r.to_json() for r in records}
        assert snapshot.version == int(str(await redis.get(keys.version(lesson.attendance_id))))
        assert await redis.get(keys.lease(lesson.attendance_id)) == "a"
        assert 0 < await redis.pttl(keys.lease(lesson.attendance_id)) <= 30_000

        assert await redis_client.lease_and_snapshot(lesson.attendance_id, "b", 30_000) == (
            False,
            None,
        )
        assert await redis.get(keys.lease(lesson.attendance_id)) == "a"

    async def test_a_gone_attendance_is_leased_with_no_snapshot(
        self, redis_client: RedisClient
    ) -> None:
        assert await redis_client.lease_and_snapshot(uuid4(), "a", 30_000) == (True, None)

    async def test_an_unparsable_lesson_fails_only_when_read(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        """The lease is taken either way, so the job can dead-letter what it cannot read."""
        aid = uuid4()
        await redis.set(keys.lesson(aid), '{"lesson_name": 7}')
        leased, snapshot = await redis_client.lease_and_snapshot(aid, "a", 30_000)
        assert leased
        assert snapshot is not None
        with pytest.raises(ValidationError):
            _ = snapshot.lesson
