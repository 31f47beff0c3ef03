"""RedisClient against a real Redis (embedded or ATTN_TEST_REDIS_URL): no fakes, no mocks."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from redis.crc import key_slot

from attn.db import keys
from attn.db.outcomes import DataOutcome
from attn.db.redis.base import lua_source
from attn.db.redis.lessons import name_key
from attn.db.redis_client import CheckInResult, RedisClient
from attn.db.redis_connection import AnyRedis
from attn.errors import (
    AttendanceDeleted,
    AttendanceEnded,
    AttendanceFinished,
    AttendanceNotOpen,
    AttendanceNotStarted,
    Conflict,
    NotFound,
)
from attn.models import AttendanceRecordRedis, AuditEntryRedis, LessonRedis, RecordStatus, Role
from attn.models.types import format_utc, utcnow
from attn.services.outcomes import domain_error
from tests.helpers.factories import make_audit_entry, make_lesson, make_record, make_user
from tests.helpers.outcomes import refused_as
from tests.helpers.sessions import key_of

TEACHER = "T1001"


async def start(client: RedisClient, **overrides: Any) -> LessonRedis:
    """Create a lesson (open now unless overridden), due at its end."""
    lesson = make_lesson(**overrides)
    await client.create_lesson(lesson, due_at=lesson.ends_at)
    return lesson


async def version_of(redis: AnyRedis, attendance_id: UUID | str) -> int:
    return int(await redis.get(keys.version(attendance_id)) or 0)


async def due_score(redis: AnyRedis, attendance_id: UUID | str) -> float | None:
    return await redis.zscore(keys.due(), str(attendance_id))


def rejected(attendance_id: UUID, **overrides: Any) -> AttendanceRecordRedis:
    """A failed self check-in (wrong code)."""
    return make_record(
        attendance_id, status=RecordStatus.REJECTED, fail_reason="code_invalid", **overrides
    )


class TestSessions:
    async def test_round_trip(self, redis_client: RedisClient) -> None:
        user = make_user()
        await redis_client.save_user_session(user, ttl=600)
        assert await redis_client.get_user_session(user.user_number) == user

    async def test_ttl_is_applied(self, redis_client: RedisClient, redis: AnyRedis) -> None:
        user = make_user(user_number="T1001", role=Role.TEACHER)
        await redis_client.save_user_session(user, ttl=3600)
        ttl = await redis.ttl(key_of(user))
        pttl = await redis.pttl(key_of(user))
        assert 3590 <= ttl <= 3600
        assert 3_590_000 <= pttl <= 3_600_000

    async def test_short_ttl_really_expires(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        user = make_user()
        await redis_client.save_user_session(user, ttl=1)
        assert await redis_client.get_user_session(user.user_number) == user
        deadline = time.monotonic() + 3
        while await redis.exists(key_of(user)):
            assert time.monotonic() < deadline, "session still there 3 s after a 1 s TTL"
            await asyncio.sleep(0.1)
        assert await redis_client.get_user_session(user.user_number) is None

    async def test_new_login_replaces_the_old_one(self, redis_client: RedisClient) -> None:
        first, second = make_user(), make_user()
        await redis_client.save_user_session(first, ttl=600)
        await redis_client.save_user_session(second, ttl=600)
        assert await redis_client.get_user_session("S2001") == second

    async def test_delete_removes_the_key(self, redis_client: RedisClient, redis: AnyRedis) -> None:
        user = make_user()
        await redis_client.save_user_session(user, ttl=600)
        assert await redis_client.delete_user_session(user.user_number) is True
        assert await redis.exists(key_of(user)) == 0
        assert await redis_client.get_user_session(user.user_number) is None
        assert await redis_client.delete_user_session(user.user_number) is False

    async def test_non_positive_ttl_refused(self, redis_client: RedisClient) -> None:
        with pytest.raises(ValueError, match="ttl"):
            await redis_client.save_user_session(make_user(), ttl=0)

    async def test_ending_a_login_deletes_it(self, redis_client: RedisClient) -> None:
        user = make_user()
        await redis_client.save_user_session(user, ttl=600)
        assert await redis_client.end_user_session(user) is True
        assert await redis_client.get_user_session(user.user_number) is None
        assert await redis_client.end_user_session(user) is False

    async def test_ending_a_replaced_login_keeps_the_newer_one(
        self, redis_client: RedisClient
    ) -> None:
        """A logout that authenticated just before a login on another device."""
        old, new = make_user(), make_user()
        assert old.token_hash != new.token_hash
        await redis_client.save_user_session(old, ttl=600)
        await redis_client.save_user_session(new, ttl=600)
        assert await redis_client.end_user_session(old) is False
        assert await redis_client.get_user_session(new.user_number) == new

    async def test_ending_an_unreadable_session_deletes_it(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        user = make_user()
        await redis.set(key_of(user), "not json", ex=600)
        assert await redis_client.end_user_session(user) is True
        assert await redis.exists(key_of(user)) == 0

    async def test_an_identity_update_keeps_the_login_and_its_ttl(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        user = make_user(full_name="Sukru Gundogdu")
        await redis_client.save_user_session(user, ttl=600)
        changed = await redis_client.update_session_identity(
            user.user_number, "Şükrü Gündoğdu", Role.STUDENT
        )
        assert changed is True
        stored = await redis_client.get_user_session(user.user_number)
        assert stored == user.model_copy(update={"full_name": "Şükrü Gündoğdu"})
        assert 590 <= await redis.ttl(key_of(user)) <= 600
        assert not await redis_client.update_session_identity("NOBODY", "X", Role.STUDENT)

    async def test_a_refresh_that_read_before_an_identity_update_does_not_undo_it(
        self, redis_client: RedisClient
    ) -> None:
        read = make_user(full_name="Sukru Gundogdu")
        await redis_client.save_user_session(read, ttl=600)
        await redis_client.update_session_identity(read.user_number, "Şükrü Gündoğdu", read.role)
        refreshed = read.model_copy(update={"expires_at": read.expires_at + timedelta(minutes=5)})
        assert await redis_client.refresh_user_session(refreshed, 600, read=read) is True
        stored = await redis_client.get_user_session(read.user_number)
        assert stored is not None
        assert (stored.full_name, stored.expires_at) == ("Şükrü Gündoğdu", read.expires_at)


class TestSessionsPerDevice:
    async def test_keep_leaves_that_many_others_and_ends_the_oldest(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        logins = [make_user(user_number="T1", role=Role.TEACHER) for _ in range(4)]
        for user in logins:
            await redis_client.open_user_session(user, 600, keep=2)
        assert [await redis_client.get_user_session("T1", u.token_hash) for u in logins] == [
            None,
            *logins[1:],
        ]
        assert await redis.zcard(keys.user_sessions("T1")) == 3
        assert await redis.exists(key_of(logins[0])) == 0

    async def test_concurrent_logins_with_keep_zero_leave_one(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        logins = [make_user(user_number="S1") for _ in range(8)]
        await asyncio.gather(*(redis_client.open_user_session(u, 600, keep=0) for u in logins))
        living = [await redis_client.get_user_session("S1", u.token_hash) for u in logins]
        assert len([u for u in living if u is not None]) == 1
        assert await redis.zcard(keys.user_sessions("S1")) == 1

    async def test_ending_all_ends_every_session_and_the_index(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        logins = [make_user(user_number="T1", role=Role.TEACHER) for _ in range(3)]
        for user in logins:
            await redis_client.open_user_session(user, 600, keep=5)
        assert await redis_client.end_user_sessions("T1") == 3
        assert await redis.exists(keys.user_sessions("T1"), *map(key_of, logins)) == 0
        assert await redis_client.end_user_sessions("T1") == 0

    async def test_ending_one_keeps_the_others_in_the_index(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        first, second = (make_user(user_number="T1", role=Role.TEACHER) for _ in range(2))
        await redis_client.open_user_session(first, 600, keep=5)
        await redis_client.open_user_session(second, 600, keep=5)
        assert await redis_client.end_user_session(first) is True
        assert await redis_client.user_sessions("T1") == [second]
        assert await redis.zcard(keys.user_sessions("T1")) == 1

    async def test_the_index_outlives_its_sessions(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        short, long = (make_user(user_number="T1", role=Role.TEACHER) for _ in range(2))
        await redis_client.open_user_session(long, 3600, keep=5)
        await redis_client.open_user_session(short, 60, keep=5)
        assert 3590 <= await redis.ttl(keys.user_sessions("T1")) <= 3600
        refreshed = long.model_copy(update={"expires_at": long.expires_at + timedelta(hours=1)})
        assert await redis_client.refresh_user_session(refreshed, 7200, read=long)
        assert 7190 <= await redis.ttl(keys.user_sessions("T1")) <= 7200

    async def test_expired_sessions_leave_the_index_at_the_next_login(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        gone = make_user(user_number="T1", role=Role.TEACHER)
        await redis_client.open_user_session(gone, 600, keep=5)
        await redis.zadd(keys.user_sessions("T1"), {keys.session_id(gone.token_hash): 1.0})
        fresh = make_user(user_number="T1", role=Role.TEACHER)
        await redis_client.open_user_session(fresh, 600, keep=5)
        members = await redis.zrange(keys.user_sessions("T1"), 0, -1)
        assert members == [keys.session_id(fresh.token_hash)]
        assert await redis_client.user_sessions("T1") == [fresh]


class TestLessons:
    async def test_saved_lesson_reads_back_equal(self, redis_client: RedisClient) -> None:
        lesson = make_lesson(late_after_minutes=10, checks={"code": True, "network": True})
        await redis_client.save_lesson(lesson.attendance_id, lesson)
        assert await redis_client.get_lesson(lesson.attendance_id) == lesson

    async def test_save_lesson_bumps_version(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        lesson = make_lesson()
        await redis_client.save_lesson(lesson.attendance_id, lesson)
        await redis_client.save_lesson(lesson.attendance_id, lesson)
        assert await version_of(redis, lesson.attendance_id) == 2

    async def test_save_lesson_takes_the_id_as_a_string_too(
        self, redis_client: RedisClient
    ) -> None:
        """As the seed's report writes it: ``get_lesson`` already took both."""
        lesson = make_lesson()
        await redis_client.save_lesson(str(lesson.attendance_id), lesson)
        assert await redis_client.get_lesson(str(lesson.attendance_id)) == lesson
        with pytest.raises(ValueError, match="attendance_id"):
            await redis_client.save_lesson(str(uuid4()), lesson)

    async def test_save_lesson_refuses_mismatched_id(self, redis_client: RedisClient) -> None:
        with pytest.raises(ValueError, match="attendance_id"):
            await redis_client.save_lesson(uuid4(), make_lesson())

    async def test_get_missing_lesson_is_none(self, redis_client: RedisClient) -> None:
        assert await redis_client.get_lesson(uuid4()) is None

    async def test_get_lessons_keeps_order_and_skips_missing(
        self, redis_client: RedisClient
    ) -> None:
        first, second = await start(redis_client), await start(redis_client)
        found = await redis_client.get_lessons([second.attendance_id, uuid4(), first.attendance_id])
        assert found == [second, first]
        assert await redis_client.get_lessons([]) == []

    async def test_create_writes_lesson_version_due_and_indexes(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        lesson = await start(redis_client)
        aid = str(lesson.attendance_id)
        assert await redis_client.get_lesson(aid) == lesson
        assert await version_of(redis, aid) == 1
        assert await due_score(redis, aid) == pytest.approx(lesson.ends_at.timestamp())
        assert await redis.sismember(keys.teacher_index(TEACHER), aid)
        assert await redis.sismember(keys.live_index(), aid)
        name = name_key(lesson)
        assert await redis.sismember(name, aid)

    def test_name_key_is_folded_and_ignores_word_order(self) -> None:
        lesson = make_lesson(teacher_full_name="Yılmaz, Ayşe", lesson_name="Yapıları Veri")
        assert name_key(lesson) == keys.name_index("ayse yilmaz", "veri yapilari")

    async def test_create_existing_id_conflicts_and_keeps_the_first(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        lesson = await start(redis_client)
        clash = make_lesson(attendance_id=lesson.attendance_id, lesson_name="Other")
        with refused_as(Conflict) as info:
            await redis_client.create_lesson(clash, due_at=utcnow() - timedelta(days=1))
        assert info.value.code == "attendance_exists"
        assert await redis_client.get_lesson(lesson.attendance_id) == lesson
        assert await version_of(redis, lesson.attendance_id) == 1
        assert await due_score(redis, lesson.attendance_id) == pytest.approx(
            lesson.ends_at.timestamp()
        )

    async def test_teacher_and_live_lessons_sorted_by_start(
        self, redis_client: RedisClient
    ) -> None:
        now = utcnow()
        later = await start(redis_client, starts_at=now - timedelta(minutes=1))
        earlier = await start(redis_client, starts_at=now - timedelta(minutes=30))
        other = await start(redis_client, teacher_number="T2002", starts_at=now)
        assert await redis_client.teacher_lessons(TEACHER) == [earlier, later]
        assert await redis_client.live_lessons() == [earlier, later, other]
        assert await redis_client.teacher_lessons("T9999") == []

    async def test_finish_sets_finished_at_and_pulls_due_forward(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        lesson = await start(redis_client)
        at = utcnow()
        finished = await redis_client.finish_lesson(lesson.attendance_id, at)
        assert finished.finished_at == at
        assert finished.model_copy(update={"finished_at": None}) == lesson
        assert await redis_client.get_lesson(lesson.attendance_id) == finished
        assert await version_of(redis, lesson.attendance_id) == 2
        assert await due_score(redis, lesson.attendance_id) == pytest.approx(at.timestamp())
        assert await redis_client.find_lessons("Ayşe Yılmaz", "Veri Yapıları") == []
        assert await redis_client.teacher_lessons(TEACHER) == [finished]

    async def test_finish_twice_refused(self, redis_client: RedisClient) -> None:
        lesson = await start(redis_client)
        await redis_client.finish_lesson(lesson.attendance_id, utcnow())
        with refused_as(AttendanceFinished):
            await redis_client.finish_lesson(lesson.attendance_id, utcnow())

    async def test_finish_unknown_is_not_found(self, redis_client: RedisClient) -> None:
        with refused_as(NotFound) as info:
            await redis_client.finish_lesson(uuid4(), utcnow())
        assert info.value.code == "attendance_not_live"

    async def test_soft_delete(self, redis_client: RedisClient, redis: AnyRedis) -> None:
        lesson = await start(redis_client)
        at = utcnow()
        deleted = await redis_client.soft_delete_lesson(lesson.attendance_id, "wrong class", at)
        assert (deleted.deleted_at, deleted.deletion_reason, deleted.finished_at) == (
            at,
            "wrong class",
            at,
        )
        assert await redis_client.get_lesson(lesson.attendance_id) == deleted
        assert await version_of(redis, lesson.attendance_id) == 2
        assert await due_score(redis, lesson.attendance_id) == pytest.approx(at.timestamp())
        assert await redis_client.live_lessons() == []
        assert await redis_client.find_lessons("Ayşe Yılmaz", "Veri Yapıları") == []
        assert await redis_client.teacher_lessons(TEACHER) == [deleted]
        with refused_as(AttendanceDeleted):
            await redis_client.check_in(make_record(lesson.attendance_id), utcnow())
        with refused_as(AttendanceDeleted):
            await redis_client.soft_delete_lesson(lesson.attendance_id, "again", utcnow())
        with refused_as(AttendanceDeleted):
            await redis_client.finish_lesson(lesson.attendance_id, utcnow())

    async def test_soft_delete_keeps_an_earlier_finish(self, redis_client: RedisClient) -> None:
        lesson = await start(redis_client)
        finished_at = utcnow() - timedelta(minutes=1)
        await redis_client.finish_lesson(lesson.attendance_id, finished_at)
        deleted = await redis_client.soft_delete_lesson(lesson.attendance_id, "dup", utcnow())
        assert deleted.finished_at == finished_at

    async def test_naive_due_at_refused(self, redis_client: RedisClient) -> None:
        with pytest.raises(ValueError, match="timezone"):
            await redis_client.create_lesson(make_lesson(), due_at=datetime(2030, 1, 1))


NAME_FORMS = [
    pytest.param("Ayşe Yılmaz", "AYŞE YILMAZ", "Işık", "ışık", id="ayse-isik"),
    pytest.param("Işık", "ışık", "Ayşe Yılmaz", "AYŞE YILMAZ", id="isik-ayse"),
    pytest.param(
        "Prof. Dr. Ayşe Yılmaz", "prof. dr.  AYŞE YILMAZ", "Veri Yapıları", "veri yapıları",
        id="prof-veri",
    ),
    # an English keyboard, word order, titles without their dots (issue 11)
    pytest.param(
        "Ayşe Yılmaz", "ayse yilmaz", "Veri Yapıları", "veri yapilari", id="ascii-keyboard"
    ),
    pytest.param("Ayşe Yılmaz", "Yılmaz Ayşe", "Veri Yapıları", "Yapıları Veri", id="word-order"),
    pytest.param(
        "Prof. Dr. Ayşe Yılmaz", "Prof Dr Ayse Yilmaz", "Veri Yapıları", "VERI YAPILARI",
        id="title-dots",
    ),
    pytest.param("Çiğdem Öztürk", "cigdem ozturk", "Ağ Güvenliği", "ag guvenligi", id="cigdem"),
]  # fmt: skip

LEGACY_NAME_INDEX = keys.name_index("ayşe yilmaz", "veri yapilari")
"""Where a lesson of Ayşe Yılmaz / Veri Yapıları created before issue 11 sits: the index
key of the old normalisation (Turkish i folded, nothing else)."""


class TestDiscovery:
    @pytest.mark.parametrize(("teacher_a", "teacher_b", "lesson_a", "lesson_b"), NAME_FORMS)
    @pytest.mark.parametrize("swap", [False, True], ids=["stored-a", "stored-b"])
    async def test_find_matches_other_spelling(
        self,
        redis_client: RedisClient,
        teacher_a: str,
        teacher_b: str,
        lesson_a: str,
        lesson_b: str,
        swap: bool,
    ) -> None:
        if swap:
            teacher_a, teacher_b, lesson_a, lesson_b = teacher_b, teacher_a, lesson_b, lesson_a
        lesson = await start(redis_client, teacher_full_name=teacher_a, lesson_name=lesson_a)
        assert await redis_client.find_lessons(teacher_b, lesson_b) == [lesson]
        assert await redis_client.find_lessons(teacher_b, "Başka Ders") == []

    @pytest.mark.parametrize(("teacher_a", "teacher_b", "lesson_a", "lesson_b"), NAME_FORMS)
    async def test_search_matches_other_spelling(
        self,
        redis_client: RedisClient,
        teacher_a: str,
        teacher_b: str,
        lesson_a: str,
        lesson_b: str,
    ) -> None:
        lesson = await start(redis_client, teacher_full_name=teacher_a, lesson_name=lesson_a)
        assert await redis_client.search_lessons(teacher_b, lesson_b) == [lesson]
        assert await redis_client.search_lessons(teacher_b[2:-1], "") == [lesson]
        assert await redis_client.search_lessons("", lesson_b[1:]) == [lesson]

    async def test_search_returns_only_open_lessons_by_start(
        self, redis_client: RedisClient
    ) -> None:
        now = utcnow()
        second = await start(redis_client, starts_at=now - timedelta(minutes=2))
        first = await start(redis_client, starts_at=now - timedelta(minutes=20))
        finished = await start(redis_client)
        deleted = await start(redis_client)
        await start(redis_client, teacher_full_name="Mehmet Öz")
        await redis_client.finish_lesson(finished.attendance_id, now)
        await redis_client.soft_delete_lesson(deleted.attendance_id, "test", now)
        assert await redis_client.search_lessons("yılmaz", "VERI") == [first, second]
        assert len(await redis_client.search_lessons("", "")) == 3

    async def test_find_excludes_finished(self, redis_client: RedisClient) -> None:
        open_one, finished = await start(redis_client), await start(redis_client)
        await redis_client.finish_lesson(finished.attendance_id, utcnow())
        assert await redis_client.find_lessons("Ayşe Yılmaz", "Veri Yapıları") == [open_one]

    async def test_find_checks_names_not_only_the_key(self, redis_client: RedisClient) -> None:
        # "a:b" + "c" and "a" + "b:c" shared one legacy index key (the folded key has no
        # ':' in the names), which find_lessons still reads: only the real match is returned.
        one = await start(redis_client, teacher_full_name="a:b", lesson_name="c")
        two = await start(redis_client, teacher_full_name="a", lesson_name="b:c")
        assert await redis_client.find_lessons("A:B", "C") == [one]
        assert await redis_client.find_lessons("A", "B:C") == [two]

    async def test_stale_ids_are_removed_lazily(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        lesson = await start(redis_client)
        ghost = str(uuid4())
        name = name_key(lesson)
        for index in (keys.live_index(), keys.teacher_index(TEACHER), name):
            await redis.sadd(index, ghost)
        assert await redis_client.search_lessons("", "") == [lesson]
        assert await redis_client.find_lessons("Ayşe Yılmaz", "Veri Yapıları") == [lesson]
        assert await redis_client.teacher_lessons(TEACHER) == [lesson]
        for index in (keys.live_index(), keys.teacher_index(TEACHER), name):
            assert not await redis.sismember(index, ghost)
            assert await redis.sismember(index, str(lesson.attendance_id))

    async def test_empty_names_find_nothing(self, redis_client: RedisClient) -> None:
        await start(redis_client)
        assert await redis_client.find_lessons("  ", "Veri Yapıları") == []
        assert await redis_client.find_lessons("Ayşe Yılmaz", " . ") == []

    async def test_find_needs_every_word(self, redis_client: RedisClient) -> None:
        await start(redis_client, teacher_full_name="Prof. Dr. Ayşe Yılmaz")
        assert await redis_client.find_lessons("Ayşe Yılmaz", "Veri Yapıları") == []
        assert await redis_client.find_lessons("Prof Dr Ayşe Yılmaz", "Veri") == []

    async def test_search_words_in_any_order_inside_words(self, redis_client: RedisClient) -> None:
        lesson = await start(redis_client, teacher_full_name="Prof. Dr. Çiğdem Öztürk")
        for teacher, name in [
            ("cigdem ozturk", "veri yapilari"),
            ("ozturk", "yap"),
            ("ÖZTÜRK çiğ", "YAPILARI veri"),
            ("prof dr", ""),
            ("", "veri"),
            ("dr. cigdem", "lari ver"),
        ]:
            assert await redis_client.search_lessons(teacher, name) == [lesson], (teacher, name)
        for teacher, name in [("cigdem yilmaz", ""), ("", "veri algoritma"), ("ayse", "veri")]:
            assert await redis_client.search_lessons(teacher, name) == [], (teacher, name)

    async def test_find_reads_the_legacy_index_key(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        """A lesson created before the folded key is still found while it is live, and
        finishing it removes it from the legacy key too."""
        lesson = await start(redis_client)
        await move_to_legacy_index(redis, lesson)
        ghost = str(uuid4())
        await redis.sadd(LEGACY_NAME_INDEX, ghost)

        assert await redis_client.find_lessons("Ayşe Yılmaz", "Veri Yapıları") == [lesson]
        assert await redis_client.find_lessons("AYŞE YILMAZ", "veri yapıları") == [lesson]
        assert not await redis.sismember(LEGACY_NAME_INDEX, ghost)

        await redis_client.finish_lesson(lesson.attendance_id, utcnow())
        assert not await redis.sismember(LEGACY_NAME_INDEX, str(lesson.attendance_id))
        assert await redis_client.find_lessons("Ayşe Yılmaz", "Veri Yapıları") == []

    async def test_soft_delete_leaves_the_legacy_index_key(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        lesson = await start(redis_client)
        await move_to_legacy_index(redis, lesson)
        await redis_client.soft_delete_lesson(lesson.attendance_id, "test", utcnow())
        assert not await redis.sismember(LEGACY_NAME_INDEX, str(lesson.attendance_id))

    async def test_old_and_new_lessons_found_together(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        old = await start(redis_client, starts_at=utcnow() - timedelta(minutes=30))
        await move_to_legacy_index(redis, old)
        new = await start(redis_client)
        assert await redis_client.find_lessons("Ayşe Yılmaz", "Veri Yapıları") == [old, new]


async def move_to_legacy_index(redis: AnyRedis, lesson: LessonRedis) -> None:
    """Put ``lesson`` where the code before issue 11 indexed it (Ayşe Yılmaz's lessons)."""
    aid = str(lesson.attendance_id)
    assert await redis.srem(name_key(lesson), aid) == 1
    await redis.sadd(LEGACY_NAME_INDEX, aid)


class TestRecords:
    async def test_saved_record_reads_back_equal(self, redis_client: RedisClient) -> None:
        lesson = await start(redis_client)
        record = make_record(
            lesson.attendance_id, client_ip="10.1.2.3", device_id="device-123", decided_by=TEACHER
        )
        await redis_client.save_attendance_record_user(record)
        assert await redis_client.get_attendance_record(lesson.attendance_id, "S2001") == record
        assert await redis_client.get_attendance_record_users(lesson.attendance_id) == [record]

    async def test_records_sorted_and_counted(self, redis_client: RedisClient) -> None:
        lesson = await start(redis_client)
        for number in ("S3", "S1", "S2"):
            await redis_client.save_attendance_record_user(
                make_record(lesson.attendance_id, student_number=number)
            )
        users = await redis_client.get_attendance_record_users(lesson.attendance_id)
        assert [record.student_number for record in users] == ["S1", "S2", "S3"]
        assert await redis_client.count_records(lesson.attendance_id) == 3
        assert await redis_client.get_attendance_record(lesson.attendance_id, "S9") is None

    async def test_hand_save_overwrites_unconditionally(self, redis_client: RedisClient) -> None:
        lesson = await start(redis_client)
        await redis_client.save_attendance_record_user(make_record(lesson.attendance_id))
        excused = make_record(lesson.attendance_id, status=RecordStatus.EXCUSED, decided_by=TEACHER)
        await redis_client.save_attendance_record_user(excused)
        assert await redis_client.get_attendance_record_users(lesson.attendance_id) == [excused]

    async def test_hand_save_after_persistence_refused(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        aid = uuid4()
        with refused_as(NotFound) as info:
            await redis_client.save_attendance_record_user(make_record(aid))
        assert info.value.code == "attendance_not_live"
        assert await redis.exists(keys.records(aid), keys.version(aid)) == 0

    async def test_delete_record(self, redis_client: RedisClient, redis: AnyRedis) -> None:
        lesson = await start(redis_client)
        await redis_client.save_attendance_record_user(make_record(lesson.attendance_id))
        assert await redis_client.delete_record(lesson.attendance_id, "S2001") is True
        assert await redis_client.count_records(lesson.attendance_id) == 0
        assert await version_of(redis, lesson.attendance_id) == 3
        assert await redis_client.delete_record(lesson.attendance_id, "S2001") is False
        assert await version_of(redis, lesson.attendance_id) == 3

    async def test_delete_on_persisted_attendance_leaves_no_orphan(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        aid = uuid4()
        assert await redis_client.delete_record(aid, "S2001") is False
        assert await redis.exists(keys.version(aid)) == 0


class TestDecideRecord:
    async def test_teacher_accepts_a_rejected_record(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        lesson = await start(redis_client)
        await redis_client.check_in(rejected(lesson.attendance_id), utcnow())
        now = utcnow()
        decided = await redis_client.decide_record(
            lesson.attendance_id,
            "S2001",
            status=RecordStatus.PRESENT,
            decided_by=TEACHER,
            fail_reason=None,
            now=now,
        )
        assert (decided.status, decided.decided_by, decided.fail_reason, decided.updated_at) == (
            RecordStatus.PRESENT,
            TEACHER,
            None,
            now,
        )
        assert await redis_client.get_attendance_record(lesson.attendance_id, "S2001") == decided
        assert await version_of(redis, lesson.attendance_id) == 3

    async def test_allowed_after_finish(self, redis_client: RedisClient) -> None:
        lesson = await start(redis_client)
        await redis_client.check_in(make_record(lesson.attendance_id), utcnow())
        await redis_client.finish_lesson(lesson.attendance_id, utcnow())
        decided = await redis_client.decide_record(
            lesson.attendance_id,
            "S2001",
            status=RecordStatus.REJECTED,
            decided_by=TEACHER,
            fail_reason="teacher_rejected",
            now=utcnow(),
        )
        assert decided.status is RecordStatus.REJECTED
        assert decided.fail_reason == "teacher_rejected"

    async def test_missing_record(self, redis_client: RedisClient) -> None:
        lesson = await start(redis_client)
        with refused_as(NotFound) as info:
            await redis_client.decide_record(
                lesson.attendance_id,
                "S404",
                status=RecordStatus.PRESENT,
                decided_by=TEACHER,
                fail_reason=None,
                now=utcnow(),
            )
        assert info.value.code == "record_not_found"

    async def test_missing_lesson(self, redis_client: RedisClient) -> None:
        with refused_as(NotFound) as info:
            await redis_client.decide_record(
                uuid4(),
                "S2001",
                status=RecordStatus.PRESENT,
                decided_by=TEACHER,
                fail_reason=None,
                now=utcnow(),
            )
        assert info.value.code == "attendance_not_live"


class TestAuditOutbox:
    """Every write that carries an audit entry appends it in the same atomic step; a write
    that does not happen appends nothing."""

    async def test_each_change_appends_its_entry(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        started = make_audit_entry(uuid4(), action="attendance_started", student_number=None)
        lesson = make_lesson(attendance_id=started.attendance_id)
        await redis_client.create_lesson(lesson, due_at=lesson.ends_at, audit=started)
        aid = lesson.attendance_id
        saved = make_audit_entry(aid)
        await redis_client.save_attendance_record_user(make_record(aid), audit=saved)
        decided = make_audit_entry(aid, action="record_rejected")
        await redis_client.decide_record(
            aid,
            "S2001",
            status=RecordStatus.REJECTED,
            decided_by=TEACHER,
            fail_reason="teacher_rejected",
            now=utcnow(),
            reason="telefonu arkadaşında",
            audit=lambda before, after: decided,
        )
        removed: list[AttendanceRecordRedis] = []

        def deletion(record: AttendanceRecordRedis) -> AuditEntryRedis:
            removed.append(record)
            return make_audit_entry(aid, action="record_deleted")

        assert await redis_client.delete_record(aid, "S2001", audit=deletion)
        finished = make_audit_entry(aid, action="attendance_finished", student_number=None)
        await redis_client.finish_lesson(aid, utcnow(), audit=finished)
        outbox = await redis_client.audit_outbox(aid)
        assert [entry.action for entry in outbox] == [
            "attendance_started",
            "record_saved",
            "record_rejected",
            "record_deleted",
            "attendance_finished",
        ]
        assert removed[0].decision_reason == "telefonu arkadaşında"
        assert await version_of(redis, aid) == 5  # one bump per change, none extra

    async def test_nothing_is_appended_when_the_change_is_refused(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        aid = uuid4()
        with refused_as(NotFound):
            await redis_client.save_attendance_record_user(
                make_record(aid), audit=make_audit_entry(aid)
            )
        lesson = await start(redis_client)
        assert not await redis_client.delete_record(
            lesson.attendance_id,
            "S2001",
            audit=lambda record: make_audit_entry(lesson.attendance_id),
        )
        await redis_client.finish_lesson(lesson.attendance_id, utcnow())
        with refused_as(AttendanceFinished):
            await redis_client.finish_lesson(
                lesson.attendance_id, utcnow(), audit=make_audit_entry(lesson.attendance_id)
            )
        assert not await redis.exists(keys.audit(aid), keys.audit(lesson.attendance_id))

    async def test_a_deletion_only_removes_the_record_its_entry_names(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        """The compare-and-delete under :meth:`delete_record`: a record that changed since
        it was read is left alone (the caller reads again), so no entry names a record
        other than the one removed."""
        lesson = await start(redis_client)
        aid = lesson.attendance_id
        record = make_record(aid)
        await redis_client.save_attendance_record_user(record)
        script = redis.register_script(lua_source("delete_record"))
        script_keys = [keys.records(aid), keys.version(aid), keys.audit(aid), keys.events(aid)]
        entry = make_audit_entry(aid, action="record_deleted").to_json()
        stale = make_record(aid, status=RecordStatus.LATE).to_json()
        assert await script(keys=script_keys, args=["S2001", stale, entry, "100"]) == "changed"
        assert await redis_client.get_attendance_record(aid, "S2001") == record
        assert not await redis.exists(keys.audit(aid))
        args = ["S2001", record.to_json(), entry, "100"]
        assert await script(keys=script_keys, args=args) == "deleted"
        assert await redis.llen(keys.audit(aid)) == 1


class TestCheckIn:
    async def test_first_check_in_creates(self, redis_client: RedisClient, redis: AnyRedis) -> None:
        lesson = await start(redis_client)
        record = make_record(lesson.attendance_id)
        result = await redis_client.check_in(record, utcnow())
        assert result == CheckInResult(record=record, created=True, replaced=False)
        assert await redis_client.get_attendance_record(lesson.attendance_id, "S2001") == record
        assert await version_of(redis, lesson.attendance_id) == 2

    async def test_hands_back_the_stored_json_only_when_stored_as_given(
        self, redis_client: RedisClient
    ) -> None:
        lesson = await start(redis_client)
        first = rejected(lesson.attendance_id)
        created = await redis_client.check_in(first, utcnow())
        assert created.stored_json == first.to_json()
        replaced = await redis_client.check_in(make_record(lesson.attendance_id), utcnow())
        assert replaced.replaced
        assert replaced.stored_json is None  # re-encoded by the script (attempt_count)

    async def test_repeat_is_idempotent(self, redis_client: RedisClient, redis: AnyRedis) -> None:
        lesson = await start(redis_client)
        first = make_record(lesson.attendance_id, status=RecordStatus.PENDING)
        await redis_client.check_in(first, utcnow())
        again = await redis_client.check_in(make_record(lesson.attendance_id), utcnow())
        assert again == CheckInResult(record=first, created=False, replaced=False)
        assert await redis_client.count_records(lesson.attendance_id) == 1
        assert await version_of(redis, lesson.attendance_id) == 2

    @pytest.mark.parametrize("decision", [RecordStatus.REJECTED, RecordStatus.ABSENT])
    async def test_teacher_decision_never_overwritten(
        self, redis_client: RedisClient, decision: RecordStatus
    ) -> None:
        lesson = await start(redis_client)
        await redis_client.check_in(make_record(lesson.attendance_id), utcnow())
        decided = await redis_client.decide_record(
            lesson.attendance_id,
            "S2001",
            status=decision,
            decided_by=TEACHER,
            fail_reason="teacher_rejected" if decision is RecordStatus.REJECTED else None,
            now=utcnow(),
        )
        result = await redis_client.check_in(make_record(lesson.attendance_id), utcnow())
        assert result == CheckInResult(record=decided, created=False, replaced=False)
        assert await redis_client.get_attendance_record(lesson.attendance_id, "S2001") == decided

    async def test_rejected_self_record_replaced_with_attempts_counted(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        lesson = await start(redis_client)
        await redis_client.check_in(rejected(lesson.attendance_id), utcnow())
        second = await redis_client.check_in(rejected(lesson.attendance_id), utcnow())
        assert second.replaced
        assert second.record.attempt_count == 2
        good = make_record(lesson.attendance_id, client_ip="10.0.0.7")
        result = await redis_client.check_in(good, utcnow())
        assert result.replaced
        assert not result.created
        assert result.record == good.model_copy(update={"attempt_count": 3})
        stored = await redis_client.get_attendance_record(lesson.attendance_id, "S2001")
        assert stored == result.record
        assert await version_of(redis, lesson.attendance_id) == 4

    async def test_boundaries(self, redis_client: RedisClient) -> None:
        lesson = await start(redis_client)
        ok = await redis_client.check_in(make_record(lesson.attendance_id), lesson.starts_at)
        assert ok.created
        with refused_as(AttendanceEnded):
            await redis_client.check_in(
                make_record(lesson.attendance_id, student_number="S2"), lesson.ends_at
            )
        with refused_as(AttendanceNotStarted):
            await redis_client.check_in(
                make_record(lesson.attendance_id, student_number="S3"),
                lesson.starts_at - timedelta(microseconds=1),
            )

    @pytest.mark.parametrize(
        ("state", "error"),
        [
            ("finished", AttendanceFinished),
            ("not_started", AttendanceNotStarted),
            ("ended", AttendanceEnded),
            ("deleted", AttendanceDeleted),
        ],
    )
    async def test_refused(
        self,
        redis_client: RedisClient,
        redis: AnyRedis,
        state: str,
        error: type[AttendanceNotOpen],
    ) -> None:
        now = utcnow()
        if state == "not_started":
            lesson = await start(redis_client, starts_at=now + timedelta(hours=1))
        elif state == "ended":
            lesson = await start(redis_client, starts_at=now - timedelta(hours=2))
        else:
            lesson = await start(redis_client)
        if state == "finished":
            await redis_client.finish_lesson(lesson.attendance_id, now)
        if state == "deleted":
            await redis_client.soft_delete_lesson(lesson.attendance_id, "test", now)
        before = await version_of(redis, lesson.attendance_id)
        with refused_as(error) as info:
            await redis_client.check_in(make_record(lesson.attendance_id), utcnow())
        assert info.value.code == f"attendance_{state}"
        assert await redis_client.count_records(lesson.attendance_id) == 0
        assert await version_of(redis, lesson.attendance_id) == before

    async def test_unknown_attendance(self, redis_client: RedisClient, redis: AnyRedis) -> None:
        aid = uuid4()
        with refused_as(NotFound) as info:
            await redis_client.check_in(make_record(aid), utcnow())
        assert info.value.code == "attendance_not_live"
        assert await redis.exists(keys.records(aid), keys.version(aid)) == 0

    async def test_teacher_record_not_accepted_as_check_in(self, redis_client: RedisClient) -> None:
        lesson = await start(redis_client)
        with pytest.raises(ValueError, match="self"):
            await redis_client.check_in(
                make_record(lesson.attendance_id, decided_by=TEACHER), utcnow()
            )

    async def test_150_concurrent_check_ins_leave_one_record(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        lesson = await start(redis_client)
        aid = lesson.attendance_id
        good = [RecordStatus.PRESENT, RecordStatus.LATE, RecordStatus.PENDING]
        attempts = [rejected(aid) for _ in range(10)] + [
            rejected(aid) if i % 4 == 3 else make_record(aid, status=good[i % 4])
            for i in range(140)
        ]
        results = await asyncio.gather(
            *(redis_client.check_in(record, utcnow()) for record in attempts)
        )
        assert len(results) == 150
        assert await redis.hlen(keys.records(aid)) == 1
        final = await redis_client.get_attendance_record(aid, "S2001")
        assert final is not None
        assert final.status in good
        replaced = sum(result.replaced for result in results)
        assert sum(result.created for result in results) == 1
        assert final.attempt_count == 1 + replaced
        assert await version_of(redis, aid) == 2 + replaced

    async def test_check_ins_racing_finish_are_all_in_the_snapshot(
        self, redis_client: RedisClient
    ) -> None:
        """Students keep checking in until refused; finish lands in the middle of it.

        Every check-in that was accepted must be in the snapshot taken after finish (none
        lost), and none that was refused (none sneaked in after it).
        """
        lesson = await start(redis_client)
        aid = lesson.attendance_id
        enough_checked_in = asyncio.Event()
        total = 0

        async def student_stream(stream: int) -> set[str]:
            nonlocal total
            accepted: set[str] = set()
            for attempt in range(10_000):
                number = f"S{stream}-{attempt}"
                try:
                    await redis_client.check_in(make_record(aid, student_number=number), utcnow())
                except DataOutcome as outcome:
                    if not isinstance(domain_error(outcome), AttendanceFinished):
                        raise
                    return accepted
                accepted.add(number)
                total += 1
                if total >= 40:
                    enough_checked_in.set()
            raise AssertionError("finish never reached this stream")

        async def finish_midway() -> LessonRedis:
            await enough_checked_in.wait()
            return await redis_client.finish_lesson(aid, utcnow())

        finishing = asyncio.create_task(finish_midway())
        streams = await asyncio.gather(*(student_stream(n) for n in range(20)))
        finish = await finishing
        accepted: set[str] = set().union(*streams)
        assert len(accepted) >= 40
        snapshot = await redis_client.snapshot(aid)
        assert snapshot is not None
        assert snapshot.lesson == finish
        assert set(snapshot.raw_records) == accepted
        assert snapshot.version == 2 + len(accepted)


class TestVersion:
    async def test_every_write_bumps_the_version(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        lesson = await start(redis_client)
        aid = lesson.attendance_id
        expected = 1
        assert await version_of(redis, aid) == expected

        async def bumped() -> None:
            nonlocal expected
            expected += 1
            assert await version_of(redis, aid) == expected

        await redis_client.save_lesson(aid, lesson)
        await bumped()
        await redis_client.check_in(rejected(aid), utcnow())
        await bumped()
        await redis_client.check_in(make_record(aid), utcnow())
        await bumped()
        await redis_client.decide_record(
            aid,
            "S2001",
            status=RecordStatus.LATE,
            decided_by=TEACHER,
            fail_reason=None,
            now=utcnow(),
        )
        await bumped()
        await redis_client.save_attendance_record_user(make_record(aid, student_number="S2"))
        await bumped()
        await redis_client.delete_record(aid, "S2")
        await bumped()
        await redis_client.finish_lesson(aid, utcnow())
        await bumped()
        await redis_client.soft_delete_lesson(aid, "test", utcnow())
        await bumped()


class TestClusterSlots:
    async def test_all_keys_of_one_attendance_share_a_slot(self, redis_client: RedisClient) -> None:
        lesson = await start(redis_client)
        aid = lesson.attendance_id
        every = [*keys.attendance_keys(aid), keys.lease(aid)]
        assert len({key_slot(key.encode()) for key in every}) == 1


class TestLeases:
    async def test_acquire_is_exclusive(self, redis_client: RedisClient, redis: AnyRedis) -> None:
        aid = uuid4()
        assert await redis_client.acquire_lease(aid, "worker-a", 30_000) is True
        assert await redis_client.acquire_lease(aid, "worker-b", 30_000) is False
        assert await redis.get(keys.lease(aid)) == "worker-a"
        assert 29_000 < await redis.pttl(keys.lease(aid)) <= 30_000

    async def test_renew_only_by_the_holder(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        aid = uuid4()
        await redis_client.acquire_lease(aid, "worker-a", 1_000)
        assert await redis_client.renew_lease(aid, "worker-b", 60_000) is False
        assert await redis.pttl(keys.lease(aid)) <= 1_000
        assert await redis_client.renew_lease(aid, "worker-a", 60_000) is True
        assert await redis.pttl(keys.lease(aid)) > 59_000
        assert await redis_client.renew_lease(uuid4(), "worker-a", 60_000) is False

    async def test_release_only_by_the_holder(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        aid = uuid4()
        await redis_client.acquire_lease(aid, "worker-a", 30_000)
        await redis_client.release_lease(aid, "worker-b")
        assert await redis.exists(keys.lease(aid)) == 1
        await redis_client.release_lease(aid, "worker-a")
        assert await redis.exists(keys.lease(aid)) == 0
        assert await redis_client.acquire_lease(aid, "worker-b", 30_000) is True

    async def test_expired_lease_can_be_taken_over(self, redis_client: RedisClient) -> None:
        aid = uuid4()
        await redis_client.acquire_lease(aid, "worker-a", 50)
        deadline = time.monotonic() + 3
        while not await redis_client.acquire_lease(aid, "worker-b", 30_000):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        assert await redis_client.renew_lease(aid, "worker-a", 30_000) is False


class TestPersistenceQueue:
    async def test_due_ids_oldest_first_limited_to_now(self, redis_client: RedisClient) -> None:
        now = utcnow()
        old = await start(redis_client, starts_at=now - timedelta(hours=3))
        older = await start(redis_client, starts_at=now - timedelta(hours=4))
        await start(redis_client)  # ends in the future: not due
        assert await redis_client.due_attendance_ids(now, 10) == [
            str(older.attendance_id),
            str(old.attendance_id),
        ]
        assert await redis_client.due_attendance_ids(now, 1) == [str(older.attendance_id)]
        age = await redis_client.oldest_due_age(now)
        assert age == pytest.approx(3 * 3600, abs=1)

    async def test_oldest_due_age_none_when_nothing_due(self, redis_client: RedisClient) -> None:
        assert await redis_client.oldest_due_age(utcnow()) is None
        await start(redis_client)
        assert await redis_client.oldest_due_age(utcnow()) is None

    async def test_snapshot(self, redis_client: RedisClient) -> None:
        lesson = await start(redis_client)
        records = [make_record(lesson.attendance_id, student_number=f"S{i}") for i in range(3)]
        for record in records:
            await redis_client.check_in(record, utcnow())
        snapshot = await redis_client.snapshot(lesson.attendance_id)
        assert snapshot is not None
        assert snapshot.lesson == lesson
        assert snapshot.raw_records == {r.student_number: r.to_json() for r in records}
        assert snapshot.version == 4
        assert await redis_client.snapshot(uuid4()) is None

    async def test_cleanup_is_guarded_by_lease_and_version(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        lesson = await start(redis_client, starts_at=utcnow() - timedelta(hours=2))
        aid = lesson.attendance_id
        await redis_client.save_attendance_record_user(
            make_record(aid), audit=make_audit_entry(aid)
        )
        await redis.hset(keys.devices(aid), "device-123", "S2001")
        await redis.set(keys.secret(aid), "not-a-real-secret")
        await redis.hset(keys.device_attempts(aid), "device-123", '["S2001", "S2002"]')
        await redis.hset(keys.roster(aid), "S2001", "Ayşe Yılmaz")
        every = [*keys.attendance_keys(aid), keys.lease(aid)]
        assert await redis_client.acquire_lease(aid, "worker-a", 30_000)
        first = await redis_client.snapshot(aid)
        assert first is not None

        assert await redis_client.cleanup_persisted(lesson, "worker-b", first.version) == (
            "lease_lost"
        )
        assert await redis.exists(*every) == len(every)

        await redis_client.save_attendance_record_user(make_record(aid, student_number="S2"))
        assert await redis_client.cleanup_persisted(lesson, "worker-a", first.version) == (
            "changed"
        )
        assert await redis.exists(*every) == len(every)
        assert await redis_client.count_records(aid) == 2

        second = await redis_client.snapshot(aid)
        assert second is not None
        assert await redis_client.cleanup_persisted(lesson, "worker-a", second.version) == (
            "deleted"
        )
        assert await redis.exists(*every) == 0
        name = name_key(lesson)
        for index in (name, keys.teacher_index(TEACHER), keys.live_index()):
            assert not await redis.sismember(index, str(aid))
        assert await due_score(redis, aid) is None
        assert await redis.dbsize() == 0  # nothing of the attendance is left behind

    async def test_drop_and_postpone_due(self, redis_client: RedisClient, redis: AnyRedis) -> None:
        lesson = await start(redis_client)
        until = utcnow() + timedelta(minutes=5)
        await redis_client.postpone_due(lesson.attendance_id, until)
        assert await due_score(redis, lesson.attendance_id) == pytest.approx(until.timestamp())
        await redis_client.drop_due(lesson.attendance_id)
        assert await due_score(redis, lesson.attendance_id) is None
        await redis_client.postpone_due(lesson.attendance_id, until)
        assert await due_score(redis, lesson.attendance_id) is None

    async def test_dead_letter_keeps_the_data(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        lesson = await start(redis_client)
        aid = lesson.attendance_id
        record = make_record(aid)
        await redis_client.check_in(record, utcnow())
        at = utcnow()
        await redis_client.dead_letter(aid, "IntegrityError: boom", at)
        assert await due_score(redis, aid) is None
        assert await redis_client.get_lesson(aid) == lesson
        assert await redis_client.get_attendance_record_users(aid) == [record]
        assert await redis_client.teacher_lessons(TEACHER) == [lesson]
        letters = await redis_client.list_dead_letters()
        assert letters == {str(aid): {"error": "IntegrityError: boom", "at": format_utc(at)}}

        assert await redis_client.requeue_dead_letter(aid, utcnow()) is True
        assert await due_score(redis, aid) == pytest.approx(time.time(), abs=5)
        assert await redis_client.list_dead_letters() == {}
        assert await redis_client.requeue_dead_letter(aid, utcnow()) is False

    async def test_has_persistence(self, redis_client: RedisClient) -> None:
        report = await redis_client.has_persistence()
        assert set(report) == {"aof", "rdb"}
        assert all(value in (True, False, None) for value in report.values())
