"""Login rate limits through the real app: per user number, per client address, proxies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from attn.config import Settings
from tests.api.test_auth import LOGIN, away_from_window_edge, client_from, login
from tests.fixtures.app import MakeUser, error_code


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
