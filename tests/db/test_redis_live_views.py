"""The RedisClient reads and locks the attendance services added: the teacher's start lock,
the live view, a student's live records."""

from __future__ import annotations

import json
from uuid import uuid4

from attn.db import keys
from attn.db.redis_client import RedisClient
from attn.db.redis_connection import AnyRedis
from attn.models.types import utcnow
from tests.helpers.factories import make_lesson, make_record


class TestTeacherStartLock:
    async def test_exclusive_with_a_ttl_and_released_only_by_its_holder(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        assert await redis_client.acquire_teacher_start_lock("T1", "first", 5000)
        assert not await redis_client.acquire_teacher_start_lock("T1", "second", 5000)
        assert await redis_client.acquire_teacher_start_lock("T2", "other teacher", 5000)
        assert 0 < await redis.pttl(keys.teacher_start_lock("T1")) <= 5000
        await redis_client.release_teacher_start_lock("T1", "second")
        assert await redis.get(keys.teacher_start_lock("T1")) == "first"
        await redis_client.release_teacher_start_lock("T1", "first")
        assert await redis_client.acquire_teacher_start_lock("T1", "second", 5000)


class TestLiveView:
    async def test_lesson_and_stored_bytes(self, redis_client: RedisClient) -> None:
        lesson = make_lesson()
        await redis_client.create_lesson(lesson, due_at=lesson.ends_at)
        records = [
            make_record(lesson.attendance_id, student_number=n, user_full_name="Işıl Çelik")
            for n in ("S2", "S1")
        ]
        for record in records:
            await redis_client.save_attendance_record_user(record)
        view = await redis_client.live_view(lesson.attendance_id)
        assert view is not None
        assert view.lesson == lesson
        assert sorted(view.raw_records) == sorted(r.to_json().encode() for r in records)

    async def test_empty_and_unknown(self, redis_client: RedisClient) -> None:
        lesson = make_lesson()
        await redis_client.create_lesson(lesson, due_at=lesson.ends_at)
        view = await redis_client.live_view(lesson.attendance_id)
        assert view is not None
        assert view.raw_records == []
        assert await redis_client.live_view(uuid4()) is None


class TestStudentLiveRecords:
    async def test_own_records_across_live_attendances(self, redis_client: RedisClient) -> None:
        now = utcnow()
        lessons = [
            make_lesson(teacher_number=f"T{n}", starts_at=now.replace(microsecond=n))
            for n in range(4)
        ]
        for lesson in lessons:
            await redis_client.create_lesson(lesson, due_at=lesson.ends_at)
        first, second, without, deleted = lessons
        for lesson in (second, first, deleted):
            await redis_client.save_attendance_record_user(
                make_record(lesson.attendance_id, student_number="S1")
            )
        await redis_client.save_attendance_record_user(
            make_record(without.attendance_id, student_number="S2")
        )
        await redis_client.soft_delete_lesson(deleted.attendance_id, "mistake", now)
        found = await redis_client.student_live_records("S1")
        assert [lesson.attendance_id for lesson, _ in found] == [
            first.attendance_id,
            second.attendance_id,
        ]
        assert {record.student_number for _, record in found} == {"S1"}
        assert await redis_client.student_live_records("S9") == []

    async def test_an_unparsable_record_is_skipped(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        lesson = make_lesson()
        await redis_client.create_lesson(lesson, due_at=lesson.ends_at)
        await redis.hset(keys.records(lesson.attendance_id), "S1", json.dumps({"x": 1}))
        assert await redis_client.student_live_records("S1") == []
