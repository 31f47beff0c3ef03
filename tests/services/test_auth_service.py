"""The session rules of ``services.accounts.auth`` on a real Redis and database, with a
chosen clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from attn.config import Environment, Settings
from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.errors import Forbidden, Unauthorized
from attn.models import Role, UserRedis
from attn.models.types import utcnow
from attn.services.accounts import auth
from attn.services.accounts.passwords import hash_password
from tests.helpers.rate_limits import away_from_window_edge
from tests.helpers.sessions import newest_key

PASSWORD = "correct horse battery"


def settings(**overrides: object) -> Settings:
    return Settings(environment=Environment.TEST, **overrides)  # type: ignore[arg-type]


@pytest.fixture
async def student(session: AsyncSession) -> str:
    async with session.begin():
        await repository.create_user(
            session,
            user_number="S1",
            full_name="Ali Veli",
            role=Role.STUDENT,
            password_hash=hash_password(PASSWORD),
            at=utcnow(),
        )
    return "S1"


async def log_in(
    session: AsyncSession, redis_client: RedisClient, config: Settings, number: str
) -> auth.LoginResult:
    return await auth.login(session, redis_client, config, number, PASSWORD, utcnow())


class TestTokens:
    @pytest.mark.parametrize(
        ("token", "expected"),
        [
            ("S1." + "a" * 43, ("S1", "a" * 43)),
            ("first.last." + "a" * 43, ("first.last", "a" * 43)),
            ("S1." + "a" * 15, None),
            ("S1", None),
            ("." + "a" * 43, None),
            ("S 1." + "a" * 43, None),
            ("{S1}." + "a" * 43, None),
            ("S1." + "a" * 42 + "=", None),
            ("S" * 33 + "." + "a" * 43, None),
            ("S1." + "a" * 300, None),
        ],
    )
    def test_split_token_checks_both_parts(
        self, token: str, expected: tuple[str, str] | None
    ) -> None:
        assert auth.split_token(token) == expected

    async def test_login_token_splits_back_and_only_its_hash_is_stored(
        self, session: AsyncSession, redis_client: RedisClient, student: str
    ) -> None:
        result = await log_in(session, redis_client, settings(), student)
        parts = auth.split_token(result.token)
        assert parts is not None
        number, secret = parts
        assert number == student
        stored = str(await redis_client.redis.get(await newest_key(redis_client.redis, student)))
        assert auth.hash_secret(secret) in stored
        assert secret not in stored


class TestSlidingSessions:
    async def test_a_fresh_session_is_not_rewritten(
        self, session: AsyncSession, redis_client: RedisClient, student: str
    ) -> None:
        config = settings()
        result = await log_in(session, redis_client, config, student)
        key = await newest_key(redis_client.redis, student)
        await redis_client.redis.expire(key, 590)  # marker: a rewrite would reset it to 600
        same = await auth.authenticate(redis_client, config, result.token, utcnow())
        assert same == result.session
        assert await redis_client.redis.ttl(key) <= 590

    async def test_the_end_slides_once_it_moves_by_a_step(
        self, session: AsyncSession, redis_client: RedisClient, student: str
    ) -> None:
        config = settings()
        result = await log_in(session, redis_client, config, student)
        later = result.session.issued_at + timedelta(seconds=61)  # step for 600 s is 60 s
        refreshed = await auth.authenticate(redis_client, config, result.token, now=later)
        assert refreshed.expires_at == later + timedelta(seconds=600)
        stored = await redis_client.get_user_session(student)
        assert stored == refreshed

    async def test_never_past_the_absolute_maximum(
        self, session: AsyncSession, redis_client: RedisClient, student: str
    ) -> None:
        config = settings(session_max_age=900)
        result = await log_in(session, redis_client, config, student)
        hard_end = result.session.issued_at + timedelta(seconds=900)
        near_end = result.session.issued_at + timedelta(seconds=500)
        refreshed = await auth.authenticate(redis_client, config, result.token, now=near_end)
        assert refreshed.expires_at == hard_end
        assert await redis_client.redis.ttl(await newest_key(redis_client.redis, student)) <= 400
        with pytest.raises(Unauthorized, match="maximum age"):
            await auth.authenticate(redis_client, config, result.token, now=hard_end)

    async def test_a_login_never_outlives_the_maximum(
        self, session: AsyncSession, redis_client: RedisClient, student: str
    ) -> None:
        config = settings(session_max_age=120)
        result = await log_in(session, redis_client, config, student)
        assert result.session.expires_at - result.session.issued_at == timedelta(seconds=120)
        assert await redis_client.redis.ttl(await newest_key(redis_client.redis, student)) <= 120

    async def test_a_request_with_the_old_token_does_not_revive_it_over_a_new_login(
        self, session: AsyncSession, redis_client: RedisClient, student: str
    ) -> None:
        config = settings()
        first = await log_in(session, redis_client, config, student)
        second = await log_in(session, redis_client, config, student)
        later = utcnow() + timedelta(seconds=120)
        with pytest.raises(Unauthorized):
            await auth.authenticate(redis_client, config, first.token, now=later)
        assert await auth.authenticate(redis_client, config, second.token, utcnow())


class TestLogout:
    async def test_logout_ends_the_login_it_authenticated(
        self, session: AsyncSession, redis_client: RedisClient, student: str
    ) -> None:
        config = settings()
        login = await log_in(session, redis_client, config, student)
        await auth.logout(
            redis_client, await auth.authenticate(redis_client, config, login.token, utcnow())
        )
        with pytest.raises(Unauthorized):
            await auth.authenticate(redis_client, config, login.token, utcnow())

    async def test_a_logout_racing_a_new_login_leaves_the_new_login(
        self, session: AsyncSession, redis_client: RedisClient, student: str
    ) -> None:
        """The phone's logout authenticated, then the laptop logged in, then it ran."""
        config = settings()
        phone = await log_in(session, redis_client, config, student)
        authenticated = await auth.authenticate(redis_client, config, phone.token, utcnow())
        laptop = await log_in(session, redis_client, config, student)
        await auth.logout(redis_client, authenticated)
        assert await auth.authenticate(redis_client, config, laptop.token, utcnow())


class TestLoginRateLimits:
    async def test_attempts_refused_at_the_address_spend_nothing_of_the_account(
        self, session: AsyncSession, redis_client: RedisClient, student: str
    ) -> None:
        """Past its own limit a client no longer spends the account's budget, and right
        passwords are never counted."""
        from attn.errors import RateLimited

        config = settings(rate_limit_per_address_per_minute=1, rate_limit_login_per_minute=3)
        await away_from_window_edge()
        for _ in range(3):
            await auth.attempt_login(
                session, redis_client, config, student, PASSWORD, "192.0.2.1", utcnow()
            )
        with pytest.raises(Unauthorized):
            await auth.attempt_login(
                session, redis_client, config, student, "wrong", "192.0.2.1", utcnow()
            )
        for _ in range(3):
            with pytest.raises(RateLimited):
                await auth.attempt_login(
                    session, redis_client, config, student, "wrong", "192.0.2.1", utcnow()
                )
        with pytest.raises(Unauthorized):
            await auth.attempt_login(
                session, redis_client, config, student, "wrong", "192.0.2.2", utcnow()
            )
        result = await auth.attempt_login(
            session, redis_client, config, student, PASSWORD, "192.0.2.3", utcnow()
        )
        assert result.session.user_number == student


class TestCsrf:
    def session_of(self, number: str = "S1") -> UserRedis:
        from tests.helpers.factories import make_user

        return make_user(user_number=number)

    def test_safe_methods_need_nothing(self) -> None:
        for method in ("GET", "HEAD", "OPTIONS", "get"):
            auth.check_csrf(settings(), self.session_of(), method, header=None, cookie=None)

    @pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
    def test_state_changes_need_the_matching_header(self, method: str) -> None:
        config, user = settings(), self.session_of()
        token = auth.csrf_token(config, user)
        auth.check_csrf(config, user, method, header=token, cookie=token)
        altered = token[:-1] + ("e" if token.endswith("f") else "f")
        for header, cookie in ((None, token), (token, None), (token, altered), ("", "")):
            with pytest.raises(Forbidden):
                auth.check_csrf(config, user, method, header=header, cookie=cookie)

    def test_the_token_is_bound_to_the_session_and_the_server_key(self) -> None:
        config, user = settings(), self.session_of()
        other_session = self.session_of()  # same user, another login
        assert auth.csrf_token(config, user) != auth.csrf_token(config, other_session)
        other_key = settings(secret_key="another-server-key")
        assert auth.csrf_token(config, user) != auth.csrf_token(other_key, user)
        foreign = auth.csrf_token(config, other_session)
        with pytest.raises(Forbidden, match="this session"):
            auth.check_csrf(config, user, "POST", header=foreign, cookie=foreign)

    def test_non_ascii_values_are_refused_not_crashing(self) -> None:
        with pytest.raises(Forbidden):
            auth.check_csrf(settings(), self.session_of(), "POST", header="ğ", cookie="ğ")
