"""A check-in's first round trip: session, the student's rate limit and the lesson at once;
the address counted only for refused tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta
from uuid import uuid4

import pytest

from attn.config import Settings
from attn.db.redis_client import RedisClient
from attn.errors import RateLimited, Unauthorized
from attn.models import Role, UserRedis
from attn.models.types import utcnow
from attn.services.accounts.auth import hash_secret
from attn.services.checkin import admission as checkin
from attn.services.security import rate_limit
from tests.helpers.factories import make_lesson
from tests.helpers.rate_limits import away_from_window_edge

ADDRESS = "10.0.0.7"


async def log_in(redis: RedisClient, number: str = "S1") -> str:
    """A stored session for ``number``; its token."""
    secret = secrets.token_urlsafe(24)
    now = utcnow()
    user = UserRedis(
        user_number=number,
        full_name="Ayşe Yılmaz",
        role=Role.STUDENT,
        token_hash=hash_secret(secret),
        issued_at=now,
        expires_at=now + timedelta(minutes=10),
    )
    await redis.save_user_session(user, 600)
    return f"{number}.{secret}"


def limits(per_student: int = 10, per_address: int = 100) -> Settings:
    return Settings(
        rate_limit_checkin_per_minute=per_student, rate_limit_per_address_per_minute=per_address
    )


async def counted(redis: RedisClient, scope: str, subject: str) -> int:
    """Requests counted so far in this window (this look adds one, taken off again)."""
    count, _ = await redis.hit_rate_limit(scope, subject, rate_limit.WINDOW_S)
    return count - 1


class TestAdmit:
    async def test_the_session_and_the_lesson_come_back_and_only_the_student_counts(
        self, redis_client: RedisClient
    ) -> None:
        await away_from_window_edge()
        lesson = make_lesson()
        await redis_client.create_lesson(lesson, due_at=lesson.ends_at)
        token = await log_in(redis_client)
        admission = await checkin.admit(
            redis_client, limits(), token, ADDRESS, lesson.attendance_id, utcnow()
        )
        assert admission.user.user_number == "S1"
        assert admission.lesson == lesson
        assert admission.over_limit is None
        assert await counted(redis_client, checkin.CHECKIN_USER, "S1") == 1
        assert await counted(redis_client, checkin.CHECKIN_ADDRESS, ADDRESS) == 0

    async def test_an_unknown_or_invalid_attendance_gives_no_lesson(
        self, redis_client: RedisClient
    ) -> None:
        token = await log_in(redis_client)
        for attendance_id in (uuid4(), None):
            admission = await checkin.admit(
                redis_client, limits(), token, ADDRESS, attendance_id, utcnow()
            )
            assert admission.lesson is None

    async def test_past_a_limit_the_refusal_names_it(self, redis_client: RedisClient) -> None:
        await away_from_window_edge()
        token = await log_in(redis_client)
        for _ in range(2):
            admission = await checkin.admit(redis_client, limits(2), token, ADDRESS, None, utcnow())
            assert admission.over_limit is None
        admission = await checkin.admit(redis_client, limits(2), token, ADDRESS, None, utcnow())
        assert isinstance(admission.over_limit, RateLimited)
        assert checkin.CHECKIN_USER in admission.over_limit.message
        assert 1 <= admission.over_limit.retry_after <= rate_limit.WINDOW_S

    async def test_the_address_limit_refuses_refused_tokens_only(
        self, redis_client: RedisClient
    ) -> None:
        """Past the address limit a bad token gets 429 rather than 401; a student with a
        valid session behind the same address is not held back."""
        await away_from_window_edge()
        forged = f"S1.{secrets.token_urlsafe(24)}"
        with pytest.raises(Unauthorized):
            await checkin.admit(
                redis_client, limits(per_address=1), forged, ADDRESS, None, utcnow()
            )
        for bad in (forged, "not a token"):
            with pytest.raises(RateLimited) as refused:
                await checkin.admit(
                    redis_client, limits(per_address=1), bad, ADDRESS, None, utcnow()
                )
            assert checkin.CHECKIN_ADDRESS in refused.value.message
        for number in ("S1", "S2"):
            token = await log_in(redis_client, number)
            admission = await checkin.admit(
                redis_client, limits(per_address=1), token, ADDRESS, None, utcnow()
            )
            assert admission.over_limit is None

    async def test_a_forged_token_never_uses_up_the_students_limit(
        self, redis_client: RedisClient
    ) -> None:
        """Tokens carry the user number: someone sending tokens in a student's name with
        wrong secrets is refused (401) and counted against their address, not the student."""
        await away_from_window_edge()
        await log_in(redis_client)
        forged = f"S1.{secrets.token_urlsafe(24)}"
        for _ in range(3):
            with pytest.raises(Unauthorized):
                await checkin.admit(redis_client, limits(1), forged, ADDRESS, None, utcnow())
        assert await counted(redis_client, checkin.CHECKIN_USER, "S1") == 0
        assert await counted(redis_client, checkin.CHECKIN_ADDRESS, ADDRESS) == 3

    async def test_no_session_or_a_malformed_token_is_401(self, redis_client: RedisClient) -> None:
        for token in (f"S9.{secrets.token_urlsafe(24)}", "not a token"):
            with pytest.raises(Unauthorized):
                await checkin.admit(redis_client, limits(), token, ADDRESS, None, utcnow())
        assert await counted(redis_client, checkin.CHECKIN_USER, "S9") == 0
