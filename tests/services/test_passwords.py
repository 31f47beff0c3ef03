"""Password hashing sized for a rush (``services.accounts.passwords``): OWASP's Argon2id
parameters by default, hashes of older parameters re-hashed at login, the process's own
hashing threads, and a hall logging in from one address. Real Redis and SQL."""

from __future__ import annotations

import os
import sys
import threading

import pytest
from argon2 import PasswordHasher, extract_parameters
from sqlalchemy.ext.asyncio import AsyncSession

from attn.config import Environment, Settings
from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.db.sql.rows import NewUserRow
from attn.errors import InvalidCredentials
from attn.models import Role
from attn.models.types import utcnow
from attn.services.accounts import auth, passwords
from tests.helpers.rate_limits import away_from_window_edge

PASSWORD = "correct horse battery"
HALL_ADDRESS = "198.51.100.7"


def settings(**overrides: object) -> Settings:
    return Settings(environment=Environment.TEST, **overrides)  # type: ignore[arg-type]


def cheap() -> Settings:
    """Argon2 at its cheapest, for tests of many logins that are not about its cost."""
    return settings(password_memory_kib=8, password_time_cost=1, password_parallelism=1)


def parameters_of(password_hash: str | None) -> tuple[int, int, int]:
    assert password_hash is not None
    found = extract_parameters(password_hash)
    return found.memory_cost, found.time_cost, found.parallelism


async def add_student(session: AsyncSession, number: str, password_hash: str) -> None:
    async with session.begin():
        await repository.create_user(
            session,
            user_number=number,
            full_name="Ayşe Yılmaz",
            role=Role.STUDENT,
            password_hash=password_hash,
            at=utcnow(),
        )


async def stored_hash(session: AsyncSession, number: str) -> str | None:
    async with session.begin():
        user = await repository.get_user(session, number)
    assert user is not None
    return user.password_hash


async def log_in(
    session: AsyncSession, redis_client: RedisClient, config: Settings, password: str = PASSWORD
) -> auth.LoginResult:
    """One login in its own transaction, as a request has it."""
    async with session.begin():
        return await auth.login(session, redis_client, config, "S1", password, utcnow())


class TestParameters:
    def test_the_defaults_are_owasps(self) -> None:
        config = settings()
        assert (
            config.password_memory_kib,
            config.password_time_cost,
            config.password_parallelism,
        ) == (19_456, 2, 1)
        assert passwords.hash_password(PASSWORD).startswith("$argon2id$v=19$m=19456,t=2,p=1$")

    async def test_the_settings_size_the_hash(self) -> None:
        config = settings(password_memory_kib=4096, password_time_cost=3, password_parallelism=2)
        password_hash = await passwords.hash_in_pool(config, PASSWORD)
        assert parameters_of(password_hash) == (4096, 3, 2)
        assert passwords.verify_password(password_hash, PASSWORD)

    async def test_hashing_runs_in_the_process_pool_sized_to_the_cores(self) -> None:
        config = settings()
        thread = await passwords.in_pool(config, threading.current_thread)
        assert thread.name.startswith("attn-argon2")
        assert thread is not threading.current_thread()
        assert passwords.pool_size(config) == passwords.usable_cores()
        assert passwords.pool_size(settings(password_threads=3)) == 3

    @pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priority")
    async def test_the_hashing_threads_yield_to_the_event_loop(self) -> None:
        def niceness() -> int:
            return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

        own = niceness()
        hashing = await passwords.in_pool(settings(), niceness)
        assert hashing == min(19, own + passwords.HASHING_NICENESS)


class TestRehashOnLogin:
    async def test_an_older_hash_verifies_and_is_replaced_by_the_login(
        self, session: AsyncSession, redis_client: RedisClient
    ) -> None:
        old = PasswordHasher(time_cost=3, memory_cost=65_536, parallelism=4).hash(PASSWORD)
        await add_student(session, "S1", old)
        result = await log_in(session, redis_client, settings())
        assert result.session.user_number == "S1"
        new = await stored_hash(session, "S1")
        assert new != old
        assert parameters_of(new) == (19_456, 2, 1)
        assert passwords.verify_password(new, PASSWORD)
        again = await log_in(session, redis_client, settings())
        assert again.session.user_number == "S1"
        assert await stored_hash(session, "S1") == new  # current: left as it is

    async def test_a_changed_setting_rehashes_to_it(
        self, session: AsyncSession, redis_client: RedisClient
    ) -> None:
        await add_student(session, "S1", passwords.hash_password(PASSWORD))
        await log_in(session, redis_client, cheap())
        assert parameters_of(await stored_hash(session, "S1")) == (8, 1, 1)

    async def test_a_wrong_password_changes_nothing(
        self, session: AsyncSession, redis_client: RedisClient
    ) -> None:
        old = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
        await add_student(session, "S1", old)
        with pytest.raises(InvalidCredentials):
            await log_in(session, redis_client, settings(), password="not the password")
        assert await stored_hash(session, "S1") == old

    async def test_an_unknown_user_is_refused_like_a_wrong_password(
        self, session: AsyncSession, redis_client: RedisClient
    ) -> None:
        with pytest.raises(InvalidCredentials, match="wrong user number or password"):
            await log_in(session, redis_client, settings())


class TestHallBehindOneAddress:
    @pytest.mark.parametrize("address_limit", [None, 20], ids=["default-limits", "limit-20"])
    async def test_200_right_logins_from_one_address_in_a_minute_all_pass(
        self, session: AsyncSession, redis_client: RedisClient, address_limit: int | None
    ) -> None:
        """Only failures count against the address, so a hall behind one NAT address logs in
        together, its typos included: with the default limits, and with an address limit
        (20) far below the hall's 200 logins but above its 10 typos."""
        config = cheap()
        if address_limit is not None:
            config = config.model_copy(update={"rate_limit_per_address_per_minute": address_limit})
        password_hash = passwords.hash_password(PASSWORD, config)
        rows = [
            NewUserRow(
                user_number=f"S{i:03d}",
                full_name=f"Öğrenci {i}",
                role=Role.STUDENT,
                password_hash=password_hash,
            )
            for i in range(200)
        ]
        async with session.begin():
            await repository.create_users(session, rows, at=utcnow())
        await away_from_window_edge()
        logged_in = 0
        for index, row in enumerate(rows):
            if index % 20 == 0:  # a typo now and then, from the same address
                with pytest.raises(InvalidCredentials):
                    await self.attempt(session, redis_client, config, row.user_number, "typo")
            result = await self.attempt(session, redis_client, config, row.user_number, PASSWORD)
            logged_in += result.session.user_number == row.user_number
        assert logged_in == 200

    async def attempt(
        self,
        session: AsyncSession,
        redis_client: RedisClient,
        config: Settings,
        number: str,
        password: str,
    ) -> auth.LoginResult:
        async with session.begin():
            return await auth.attempt_login(
                session, redis_client, config, number, password, HALL_ADDRESS, utcnow()
            )
