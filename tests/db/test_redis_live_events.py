"""The live channel's stream: every change appends exactly its own event in its script,
a refused or kept change appends none, and the reads a listener makes."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from attn.db import keys
from attn.db.outcomes import CheckInRefused, LessonClosed, NotLive
from attn.db.redis.events import NO_EVENT, EventsReader, LiveEvent
from attn.db.redis_client import RedisClient
from attn.db.redis_connection import AnyRedis
from attn.models import LessonRedis, RecordStatus
from attn.models.types import utcnow
from tests.helpers.factories import make_lesson, make_record


async def started(client: RedisClient, **overrides: Any) -> LessonRedis:
    lesson = make_lesson(**overrides)
    await client.create_lesson(lesson, due_at=lesson.ends_at)
    return lesson


async def events(redis: AnyRedis, aid: UUID, after: str = NO_EVENT) -> list[LiveEvent]:
    return await EventsReader(redis).after(aid, after, 10_000)


async def new_events(redis: AnyRedis, aid: UUID, before: list[LiveEvent]) -> list[LiveEvent]:
    """The events after the ``before`` ones."""
    return await events(redis, aid, before[-1].event_id if before else NO_EVENT)


def data(event: LiveEvent) -> Any:
    return json.loads(event.data)


class TestLessonEvents:
    async def test_start_finish_delete_each_append_theirs(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        lesson = await started(redis_client)
        aid = lesson.attendance_id
        [start] = await events(redis, aid)
        assert (start.name, data(start)["finished_at"]) == ("started", None)
        assert data(start)["attendance_id"] == str(aid)
        finished = await redis_client.finish_lesson(aid, utcnow())
        [finish] = await new_events(redis, aid, [start])
        assert finish.name == "finished"
        assert data(finish)["finished_at"] == finished.model_dump(mode="json")["finished_at"]
        await redis_client.soft_delete_lesson(aid, "wrong room", utcnow())
        [delete] = await new_events(redis, aid, [finish])
        assert (delete.name, data(delete)["deletion_reason"]) == ("deleted", "wrong room")

    async def test_a_refused_finish_appends_nothing(self, redis_client: RedisClient) -> None:
        lesson = await started(redis_client)
        await redis_client.finish_lesson(lesson.attendance_id, utcnow())
        before = await events(redis_client.redis, lesson.attendance_id)
        with pytest.raises(LessonClosed):
            await redis_client.finish_lesson(lesson.attendance_id, utcnow())
        assert await events(redis_client.redis, lesson.attendance_id) == before


class TestRecordEvents:
    async def test_a_check_in_appends_its_stored_record_and_the_count(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        lesson = await started(redis_client)
        aid = lesson.attendance_id
        before = await events(redis, aid)
        result = await redis_client.check_in(make_record(aid), utcnow())
        [event] = await new_events(redis, aid, before)
        assert event.name == "record"
        assert data(event) == {"count": 1, "record": json.loads(result.record.to_json())}
        await redis_client.check_in(make_record(aid, student_number="S2002"), utcnow())
        [second] = await new_events(redis, aid, [event])
        assert data(second)["count"] == 2

    async def test_a_kept_or_refused_check_in_appends_nothing(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        lesson = await started(redis_client)
        aid = lesson.attendance_id
        await redis_client.check_in(make_record(aid), utcnow())
        before = await events(redis, aid)
        kept = await redis_client.check_in(make_record(aid), utcnow())
        assert not kept.created
        with pytest.raises(CheckInRefused):
            await redis_client.check_in(make_record(aid), lesson.ends_at + timedelta(seconds=1))
        assert await events(redis, aid) == before

    async def test_a_replaced_check_in_sends_the_replacement(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        lesson = await started(redis_client)
        aid = lesson.attendance_id
        rejected = make_record(aid, status=RecordStatus.REJECTED, fail_reason="code_wrong")
        await redis_client.check_in(rejected, utcnow())
        before = await events(redis, aid)
        result = await redis_client.check_in(make_record(aid), utcnow())
        [event] = await new_events(redis, aid, before)
        assert data(event)["record"] == json.loads(result.record.to_json())
        assert data(event)["record"]["attempt_count"] == 2

    async def test_with_the_device_check_the_event_has_the_final_record(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        lesson = await started(redis_client)
        aid = lesson.attendance_id
        await redis_client.check_in(
            make_record(aid, device_id="device-0001"), utcnow(), device_taken_reason="device_shared"
        )
        other = make_record(aid, student_number="S2002", device_id="device-0001")
        await redis_client.check_in(other, utcnow(), device_taken_reason="device_shared")
        last = (await events(redis, aid))[-1]
        assert data(last)["record"]["status"] == "rejected"
        assert data(last)["record"]["fail_reason"] == "device_shared"

    async def test_a_decision_a_save_and_a_delete_append_theirs(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        lesson = await started(redis_client)
        aid = lesson.attendance_id
        await redis_client.check_in(make_record(aid), utcnow())
        before = await events(redis, aid)
        await redis_client.decide_record(
            aid,
            "S2001",
            status=RecordStatus.REJECTED,
            decided_by="T1001",
            fail_reason="teacher_rejected",
            now=utcnow(),
            reason="not here",
        )
        [decided] = await new_events(redis, aid, before)
        assert data(decided)["record"]["decision_reason"] == "not here"
        added = make_record(aid, student_number="S2002", decided_by="T1001")
        await redis_client.save_attendance_record_user(added)
        [saved] = await new_events(redis, aid, [decided])
        assert data(saved) == {"count": 2, "record": json.loads(added.to_json())}
        assert await redis_client.delete_record(aid, "S2001")
        [deleted] = await new_events(redis, aid, [saved])
        assert deleted.name == "record_deleted"
        assert data(deleted) == {"count": 1, "student_number": "S2001"}

    async def test_changes_to_a_persisted_attendance_append_nothing(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        aid = make_lesson().attendance_id  # never in Redis (or persisted and removed)
        with pytest.raises(NotLive):
            await redis_client.save_attendance_record_user(make_record(aid))
        assert not await redis_client.delete_record(aid, "S2001")
        assert not await redis.exists(keys.events(aid))


class TestCapAndReads:
    async def test_the_stream_is_capped_and_a_listener_behind_the_cap_is_told(
        self, redis: AnyRedis
    ) -> None:
        client = RedisClient(redis, events_max=100)
        lesson = await started(client)
        aid = lesson.attendance_id
        reader = EventsReader(redis)
        assert not await reader.lost_after(aid, NO_EVENT)
        for n in range(400):
            await client.check_in(make_record(aid, student_number=f"S{n:04d}"), utcnow())
        assert await redis.xlen(keys.events(aid)) < 300
        assert await reader.lost_after(aid, NO_EVENT)
        assert not await reader.lost_after(aid, await reader.last_id(aid))

    async def test_the_live_view_carries_the_last_id_before_its_records(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        lesson = await started(redis_client)
        aid = lesson.attendance_id
        await redis_client.check_in(make_record(aid), utcnow())
        view = await redis_client.live_view(aid)
        assert view is not None
        assert view.last_event_id == (await events(redis, aid))[-1].event_id
        assert await EventsReader(redis).last_id(make_lesson().attendance_id) == NO_EVENT

    async def test_wait_returns_what_came_after_or_nothing_at_the_timeout(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        lesson = await started(redis_client)
        aid = lesson.attendance_id
        reader = EventsReader(redis)
        last = await reader.last_id(aid)
        began = time.monotonic()
        assert await reader.wait(aid, last, block_ms=200, count=10) == []
        assert time.monotonic() - began >= 0.15
        await redis_client.check_in(make_record(aid), utcnow())
        [event] = await reader.wait(aid, last, block_ms=200, count=10)
        assert event.name == "record"
        assert await reader.lesson_exists(aid)
