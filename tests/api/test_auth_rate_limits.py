"""Login rate limits through the real app: per user number, per client address, proxies."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from attn.config import Settings
from tests.fixtures.app import MakeUser, error_code
from tests.helpers.auth_api import LOGIN, client_from, login
from tests.helpers.rate_limits import away_from_window_edge


class TestLoginRateLimits:
    @pytest.fixture
    def app_settings(self, app_settings: Settings) -> Settings:
        return app_settings.model_copy(
            update={"rate_limit_login_per_minute": 3, "rate_limit_per_address_per_minute": 5}
        )

    async def test_per_user_number_whatever_the_address(
        self, app: FastAPI, make_user: MakeUser
    ) -> None:
        account = await make_user(login=False)
        await away_from_window_edge()
        for index in range(3):
            async with client_from(app, f"198.51.100.{index + 1}") as client:
                response = await login(client, account.user_number, "wrong password")
                assert response.status_code == 401
        async with client_from(app, "198.51.100.99") as client:
            response = await login(client, account.user_number)  # even the right password
        assert response.status_code == 429
        assert error_code(response) == "rate_limited"
        retry_after = int(response.headers["Retry-After"])
        assert 1 <= retry_after <= 60
        assert response.json()["error"]["details"] == {"retry_after": retry_after}

    async def test_per_client_address_whatever_the_user_number(
        self, api: httpx.AsyncClient, app: FastAPI
    ) -> None:
        await away_from_window_edge()
        for index in range(5):
            response = await login(api, f"nobody{index}", "wrong password")
            assert response.status_code == 401
        response = await login(api, "somebody-else", "wrong password")
        assert response.status_code == 429
        assert "Retry-After" in response.headers
        async with client_from(app, "198.51.100.7") as other:
            assert (await login(other, "somebody-else", "x")).status_code == 401

    async def test_a_spoofed_forwarded_for_does_not_dodge_the_address_limit(
        self, api: httpx.AsyncClient
    ) -> None:
        await away_from_window_edge()
        statuses = []
        for index in range(6):
            headers = {"X-Forwarded-For": f"203.0.113.{index}"}
            response = await api.post(
                LOGIN, json={"user_number": f"n{index}", "password": "x"}, headers=headers
            )
            statuses.append(response.status_code)
        assert statuses == [401] * 5 + [429]


class TestLoginFailureLimits:
    """Failed logins are limited per (user number, address), per address and, higher, per
    user number from all addresses; right passwords are never counted."""

    @pytest.fixture
    def app_settings(self, app_settings: Settings) -> Settings:
        return app_settings.model_copy(
            update={
                "rate_limit_login_per_user_address_per_minute": 3,
                "rate_limit_login_per_minute": 10,
                "rate_limit_per_address_per_minute": 8,
            }
        )

    async def test_a_guesser_is_stopped_but_the_owner_still_logs_in(
        self, app: FastAPI, make_user: MakeUser
    ) -> None:
        student = await make_user(login=False)
        await away_from_window_edge()
        async with client_from(app, "203.0.113.66") as attacker:
            statuses = [
                (await login(attacker, student.user_number, "wrong password")).status_code
                for _ in range(6)
            ]
            assert statuses == [401] * 3 + [429] * 3
            assert (await login(attacker, student.user_number)).status_code == 429
        async with client_from(app, "198.51.100.20") as phone:
            assert (await login(phone, student.user_number)).status_code == 200

    async def test_concurrent_guesses_are_checked_no_more_than_the_limit(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        student = await make_user(login=False)
        await away_from_window_edge()
        responses = await asyncio.gather(
            *(login(api, student.user_number, "wrong password") for _ in range(10))
        )
        statuses = sorted(response.status_code for response in responses)
        assert statuses == [401] * 3 + [429] * 7

    async def test_a_guesser_trying_many_accounts_is_stopped_and_locks_none_of_them(
        self, app: FastAPI, make_user: MakeUser
    ) -> None:
        students = [await make_user(login=False) for _ in range(3)]
        await away_from_window_edge()
        statuses = []
        async with client_from(app, "203.0.113.66") as attacker:
            for student in students:
                for _ in range(4):
                    response = await login(attacker, student.user_number, "wrong password")
                    statuses.append(response.status_code)
        # 3 per account, and the address's 8 failed attempts in all: 8 checked.
        assert statuses == [401, 401, 401, 429] * 2 + [401, 401, 429, 429]
        for student in students:
            async with client_from(app, "198.51.100.20") as owner:
                assert (await login(owner, student.user_number)).status_code == 200

    async def test_right_passwords_from_one_address_are_never_counted(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        """A hall logging in from one NAT address: far more logins than the address limit
        (8 here), with the failures of others in between, all pass."""
        student, neighbour = await make_user(login=False), await make_user(login=False)
        await away_from_window_edge()
        for _ in range(2):
            assert (await login(api, neighbour.user_number, "typo")).status_code == 401
        statuses = [(await login(api, student.user_number)).status_code for _ in range(12)]
        assert statuses == [200] * 12

    async def test_distributed_guessing_meets_the_per_user_ceiling(
        self, app: FastAPI, make_user: MakeUser
    ) -> None:
        student = await make_user(login=False)
        await away_from_window_edge()
        for index in range(10):
            async with client_from(app, f"203.0.113.{index + 1}") as bot:
                response = await login(bot, student.user_number, "wrong password")
                assert response.status_code == 401
        async with client_from(app, "198.51.100.20") as phone:
            refused = await login(phone, student.user_number)
        assert (refused.status_code, error_code(refused)) == (429, "rate_limited")


class TestTrustedProxy:
    @pytest.fixture
    def app_settings(self, app_settings: Settings) -> Settings:
        return app_settings.model_copy(
            update={"rate_limit_per_address_per_minute": 2, "trusted_proxies": ["127.0.0.1/32"]}
        )

    async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget(
        self, api: httpx.AsyncClient
    ) -> None:
        await away_from_window_edge()

        def attempt(client: str, number: str) -> Callable[[], Any]:
            return lambda: api.post(
                LOGIN,
                json={"user_number": number, "password": "x"},
                headers={"X-Forwarded-For": f"{client}, 127.0.0.1"},
            )

        for number in ("a1", "a2"):
            assert (await attempt("203.0.113.1", number)()).status_code == 401
        assert (await attempt("203.0.113.1", "a3")()).status_code == 429
        assert (await attempt("203.0.113.2", "a4")()).status_code == 401
