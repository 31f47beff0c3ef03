"""The roster copies of course attendances in Redis, on one server and on a cluster: written
with the lesson, read by the check-in script in its step, changed (with their live-channel
event) while the attendance is open and left alone once it is closed."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from attn.db import keys
from attn.db.redis.records import NOT_ENROLLED
from attn.db.redis_client import RedisClient
from attn.db.redis_connection import AnyRedis
from attn.models import LessonRedis, RecordStatus
from attn.models.types import utcnow
from tests.helpers.factories import make_lesson, make_record
from tests.helpers.rosters import roster_events

COURSE = uuid4()
ROSTER = {"S1": "Ayşe Yılmaz", "S2": "Ali Veli"}


async def course_lesson(client: RedisClient, roster: dict[str, str] = ROSTER) -> LessonRedis:
    lesson = make_lesson(course_id=COURSE)
    await client.create_lesson(lesson, due_at=lesson.ends_at, roster=roster)
    return lesson


class TestTheCopy:
    async def test_is_written_with_the_lesson_and_indexed_under_its_course(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        lesson = await course_lesson(redis_client)
        assert await redis_client.live_roster(lesson.attendance_id) == ROSTER
        assert await redis.smembers(keys.course_index(COURSE)) in (
            {str(lesson.attendance_id)},
            {str(lesson.attendance_id).encode()},
        )

    async def test_an_empty_roster_admits_nobody(self, redis_client: RedisClient) -> None:
        lesson = await course_lesson(redis_client, roster={})
        result = await redis_client.check_in(make_record(lesson.attendance_id), utcnow())
        assert (result.record.status, result.record.fail_reason) == (
            RecordStatus.REJECTED,
            NOT_ENROLLED,
        )

    async def test_a_course_lesson_needs_its_roster_and_an_ad_hoc_one_none(
        self, redis_client: RedisClient
    ) -> None:
        with pytest.raises(ValueError, match="roster"):
            await redis_client.create_lesson(
                make_lesson(course_id=COURSE), due_at=utcnow() + timedelta(hours=1)
            )
        with pytest.raises(ValueError, match="roster"):
            await redis_client.create_lesson(
                make_lesson(), due_at=utcnow() + timedelta(hours=1), roster={}
            )


class TestCheckIn:
    async def test_the_roster_decides_before_the_device_claim(
        self, redis_client: RedisClient
    ) -> None:
        lesson = await course_lesson(redis_client)
        aid = lesson.attendance_id
        outsider = make_record(aid, student_number="S9", device_id="device-0001")
        refused = await redis_client.check_in(outsider, utcnow(), device_taken_reason="reused")
        assert refused.created
        assert (refused.record.status, refused.record.fail_reason) == (
            RecordStatus.REJECTED,
            NOT_ENROLLED,
        )
        member = make_record(aid, student_number="S1", device_id="device-0001")
        admitted = await redis_client.check_in(member, utcnow(), device_taken_reason="reused")
        assert admitted.record.status is RecordStatus.PRESENT
        again = await redis_client.check_in(outsider, utcnow(), device_taken_reason="reused")
        assert again.replaced
        assert again.record.fail_reason == NOT_ENROLLED
        assert again.record.attempt_count == 2

    async def test_an_ad_hoc_lesson_reads_no_roster(self, redis_client: RedisClient) -> None:
        lesson = make_lesson()
        await redis_client.create_lesson(lesson, due_at=lesson.ends_at)
        result = await redis_client.check_in(make_record(lesson.attendance_id), utcnow())
        assert result.record.status is RecordStatus.PRESENT


class TestChanges:
    async def test_reach_every_open_attendance_of_the_course_with_their_event(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        first, second = await course_lesson(redis_client), await course_lesson(redis_client)
        changed = await redis_client.change_live_rosters(
            COURSE, added={"S3": "Zeynep Çelik"}, removed=["S1", "S7"]
        )
        assert changed == 2
        for lesson in (first, second):
            assert await redis_client.live_roster(lesson.attendance_id) == {
                "S2": "Ali Veli",
                "S3": "Zeynep Çelik",
            }
            assert await roster_events(redis, lesson.attendance_id) == [
                {"added": [{"student_number": "S3", "full_name": "Zeynep Çelik"}],
                 "removed": ["S1"], "size": 2}
            ]  # fmt: skip
        assert await redis_client.change_live_rosters(COURSE, added={"S3": "Zeynep Çelik"}) == 0

    async def test_leave_a_finished_attendance_alone_and_forget_a_persisted_one(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        finished, gone = await course_lesson(redis_client), await course_lesson(redis_client)
        await redis_client.finish_lesson(finished.attendance_id, utcnow())
        await redis.delete(keys.lesson(gone.attendance_id))
        assert await redis_client.change_live_rosters(COURSE, removed=["S1"]) == 0
        assert await redis_client.live_roster(finished.attendance_id) == ROSTER
        members = {m if isinstance(m, str) else m.decode() for m in
                   await redis.smembers(keys.course_index(COURSE))}  # fmt: skip
        assert members == {str(finished.attendance_id)}

    async def test_a_replacement_sets_the_copy_exactly(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        lesson = await course_lesson(redis_client)
        aid = lesson.attendance_id
        assert await redis_client.replace_live_roster(aid, {"S2": "Ali Veli", "S4": "Can"}) == (
            "changed"
        )
        assert await redis_client.live_roster(aid) == {"S2": "Ali Veli", "S4": "Can"}
        assert await redis_client.replace_live_roster(aid, {"S2": "Ali Veli", "S4": "Can"}) == (
            "unchanged"
        )
        assert await redis_client.replace_live_roster(uuid4(), {}) == "missing"
        (event,) = await roster_events(redis, lesson.attendance_id)
        assert event["removed"] == ["S1"]
        assert event["size"] == 2

    async def test_the_live_view_lists_who_has_not_checked_in(
        self, redis_client: RedisClient
    ) -> None:
        lesson = await course_lesson(redis_client)
        await redis_client.check_in(
            make_record(lesson.attendance_id, student_number="S2"), utcnow()
        )
        view = await redis_client.live_view(lesson.attendance_id, with_roster=True)
        assert view is not None
        assert view.roster == ROSTER
        assert view.not_checked_in == {"S1": "Ayşe Yılmaz"}
        plain = await redis_client.live_view(lesson.attendance_id)
        assert plain is not None
        assert plain.roster is None
