"""Login, sessions, logout, cookies with CSRF, and login rate limits, through the real app."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime, timedelta
from http.cookies import SimpleCookie
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from attn.app import create_app
from attn.config import Settings
from attn.db.sql import repository
from attn.models import Role
from attn.models.types import utcnow
from attn.runtime import Runtime
from attn.services.accounts.passwords import hash_password
from tests.fixtures.app import DEFAULT_PASSWORD, MakeUser, error_code
from tests.helpers.auth_api import LOGIN, client_from, login
from tests.helpers.sessions import newest_key

LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/auth/me"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def set_cookies(response: httpx.Response) -> dict[str, Any]:
    """Each Set-Cookie of a response as a ``Morsel`` (attributes included)."""
    jar: dict[str, Any] = {}
    for header in response.headers.get_list("set-cookie"):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        jar.update(cookie)
    return jar


class TestLogin:
    @pytest.mark.parametrize(
        ("role", "ttl"), [(Role.STUDENT, 600), (Role.TEACHER, 3600), (Role.ADMIN, 1800)]
    )
    async def test_returns_a_bearer_token_with_the_roles_ttl(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        make_user: MakeUser,
        role: Role,
        ttl: int,
    ) -> None:
        account = await make_user(role, name="Ayşe Yılmaz", login=False)
        before = utcnow()
        response = await login(api, account.user_number)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"access_token", "token_type", "expires_at", "user"}
        assert body["token_type"] == "bearer"
        assert body["user"] == {
            "user_number": account.user_number,
            "full_name": "Ayşe Yılmaz",
            "role": role.value,
        }
        assert body["access_token"].startswith(f"{account.user_number}.")
        expires_at = parse_time(body["expires_at"])
        assert before + timedelta(seconds=ttl - 5) < expires_at <= utcnow() + timedelta(seconds=ttl)
        redis_ttl = await runtime.redis.ttl(await newest_key(runtime.redis, account.user_number))
        assert ttl - 5 <= redis_ttl <= ttl

    async def test_role_ttls_come_from_settings(
        self, app_settings: Settings, redis_url: str, sqlite_url: str
    ) -> None:
        settings = app_settings.model_copy(update={"session_ttl_teacher": 120})
        app = create_app(settings)
        async with LifespanManager(app), client_from(app, "127.0.0.1") as api:
            runtime: Runtime = app.state.runtime
            async with runtime.sessionmaker() as session, session.begin():
                await repository.create_user(
                    session,
                    user_number="T1",
                    full_name="Teacher",
                    role=Role.TEACHER,
                    password_hash=hash_password(DEFAULT_PASSWORD),
                    at=utcnow(),
                )
            response = await login(api, "T1")
            assert response.status_code == 200
            assert 115 <= await runtime.redis.ttl(await newest_key(runtime.redis, "T1")) <= 120

    @pytest.mark.parametrize("case", ["wrong password", "unknown user", "no password set"])
    async def test_bad_credentials_are_401_and_indistinguishable(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser, case: str
    ) -> None:
        account = await make_user(login=False)
        number, password = account.user_number, "not the password"
        if case == "unknown user":
            number = "nobody"
        if case == "no password set":
            async with runtime.sessionmaker() as session, session.begin():
                await repository.set_password_hash(session, account.user_number, None, at=utcnow())
            password = DEFAULT_PASSWORD
        response = await login(api, number, password)
        assert response.status_code == 401
        assert error_code(response) == "invalid_credentials"
        assert response.json()["error"]["message"] == "wrong user number or password"
        assert await runtime.redis.exists(await newest_key(runtime.redis, account.user_number)) == 0

    async def test_a_new_login_replaces_the_previous_session(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        account = await make_user(login=False)
        first = (await login(api, account.user_number)).json()["access_token"]
        second = (await login(api, account.user_number)).json()["access_token"]
        old = await api.get(ME, headers=bearer(first))
        assert old.status_code == 401
        assert error_code(old) == "invalid_token"
        assert (await api.get(ME, headers=bearer(second))).status_code == 200

    async def test_the_token_secret_is_never_stored_in_clear(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        account = await make_user(login=False)
        token = (await login(api, account.user_number)).json()["access_token"]
        secret = token.rsplit(".", 1)[1]
        assert (await api.get(ME, headers=bearer(token))).status_code == 200
        stored: list[str] = []
        async for key in runtime.redis.scan_iter(count=1000):
            stored.append(key)
            kind = await runtime.redis.type(key)
            if kind == "string":
                stored.append(str(await runtime.redis.get(key)))
            elif kind == "hash":
                stored.extend(str(item) for item in (await runtime.redis.hgetall(key)).items())
            elif kind in ("set", "zset", "list"):
                stored.append(str(await runtime.redis.dump(key)))
        everything = "\n".join(stored)
        session_key = await newest_key(runtime.redis, account.user_number)
        assert session_key in everything  # the scan saw the session
        assert hashlib.sha256(secret.encode()).hexdigest() in everything
        assert secret not in everything
        assert token not in everything

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"user_number": "S1"}, "password"),
            ({"password": "x" * 10}, "user_number"),
            ({"user_number": 12345, "password": "x" * 10}, "user_number"),
            ({"user_number": "S 1", "password": "x" * 10}, "user_number"),
            ({"user_number": "S1", "password": ""}, "password"),
            ({"user_number": "S1", "password": "x" * 257}, "password"),
            ({"user_number": "S1", "password": ["x"]}, "password"),
        ],
    )
    async def test_invalid_bodies_are_422_with_the_envelope(
        self, api: httpx.AsyncClient, body: dict[str, Any], field: str
    ) -> None:
        response = await api.post(LOGIN, json=body)
        assert response.status_code == 422
        assert error_code(response) == "invalid_input"
        assert any(detail["loc"][-1] == field for detail in response.json()["error"]["details"])

    @pytest.mark.parametrize(
        "content",
        [b"{not json", b"", b"[]", b'"text"', b"\xff\xfe", b'{"user_number": "\xc3("}'],
        ids=repr,
    )
    async def test_malformed_json_is_422_not_500(
        self, api: httpx.AsyncClient, content: bytes
    ) -> None:
        response = await api.post(
            LOGIN, content=content, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422
        assert error_code(response) == "invalid_input"

    async def test_a_body_that_is_not_utf8_says_so(self, api: httpx.AsyncClient) -> None:
        response = await api.post(
            LOGIN, content=b'{"user_number": "\xc3("}', headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422
        [detail] = response.json()["error"]["details"]
        assert detail["type"] == "json_invalid"
        assert "not UTF-8" in detail["msg"]


class TestSessions:
    async def test_me_returns_the_current_user(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        account = await make_user(Role.TEACHER, name="Mehmet Öz")
        response = await api.get(ME, headers=account.headers)
        assert response.status_code == 200
        body = response.json()
        assert {k: body[k] for k in ("user_number", "full_name", "role")} == {
            "user_number": account.user_number,
            "full_name": "Mehmet Öz",
            "role": "teacher",
        }
        assert parse_time(body["expires_at"]) > utcnow() + timedelta(seconds=3000)

    async def test_logout_ends_the_session_at_once(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        account = await make_user()
        response = await api.post(LOGOUT, headers=account.headers)
        assert response.status_code == 204
        assert response.content == b""
        assert await runtime.redis.exists(await newest_key(runtime.redis, account.user_number)) == 0
        again = await api.get(ME, headers=account.headers)
        assert again.status_code == 401
        assert error_code(again) == "invalid_token"
        assert (await api.post(LOGOUT, headers=account.headers)).status_code == 401

    async def test_an_expired_session_is_401(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        account = await make_user()
        assert await runtime.redis.pexpire(await newest_key(runtime.redis, account.user_number), 1)
        await asyncio.sleep(0.05)
        response = await api.get(ME, headers=account.headers)
        assert response.status_code == 401
        assert error_code(response) == "invalid_token"

    async def test_a_deleted_session_key_is_401(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        account = await make_user()
        await runtime.redis_client.delete_user_session(account.user_number)
        assert (await api.get(ME, headers=account.headers)).status_code == 401

    async def test_each_request_slides_the_session(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        account = await make_user(Role.STUDENT)
        key = await newest_key(runtime.redis, account.user_number)
        session = await runtime.redis_client.get_user_session(account.user_number)
        assert session is not None
        # As if 500 of the 600 seconds had passed without a request:
        aged = session.model_copy(update={"expires_at": utcnow() + timedelta(seconds=100)})
        await runtime.redis_client.save_user_session(aged, 100)
        response = await api.get(ME, headers=account.headers)
        assert response.status_code == 200
        assert parse_time(response.json()["expires_at"]) > utcnow() + timedelta(seconds=590)
        assert await runtime.redis.ttl(key) > 590

    @pytest.mark.parametrize(
        "authorization",
        [
            "Bearer garbage",
            "Bearer S1.tooshort",
            "Bearer S1.",
            "Bearer .AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "Bearer {S1}:x.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "Bearer S1.AAAAAAAAAAAAAAAA+AAAAAAAAAAAAAAAAAAAAAAAAAA",
            "Bearer " + "S" * 300 + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "Basic dXNlcjpwYXNz",
            "Bearer",
            "",
        ],
    )
    async def test_malformed_or_missing_tokens_are_401(
        self, api: httpx.AsyncClient, authorization: str
    ) -> None:
        response = await api.get(ME, headers={"Authorization": authorization})
        assert response.status_code == 401
        assert error_code(response) in {"invalid_token", "unauthorized"}

    async def test_a_forged_secret_for_a_live_session_is_401(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        account = await make_user()
        forged = f"{account.user_number}.{'A' * 43}"
        response = await api.get(ME, headers=bearer(forged))
        assert response.status_code == 401
        assert error_code(response) == "invalid_token"


class TestCookieSessions:
    async def test_login_sets_an_httponly_strict_session_cookie_and_a_readable_csrf_cookie(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        account = await make_user(login=False)
        response = await login(api, account.user_number)
        cookies = set_cookies(response)
        session, csrf = cookies["attn_session"], cookies["attn_csrf"]
        assert session.value == response.json()["access_token"]
        assert session["httponly"] is True
        assert session["samesite"].lower() == "strict"
        assert session["path"] == "/"
        assert not csrf["httponly"]
        assert csrf["samesite"].lower() == "strict"
        assert len(csrf.value) == 64
        assert not session["secure"]  # plain http in development; https or production sets it

    async def test_the_cookie_alone_authenticates_reads(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        account = await make_user(login=False)
        await login(api, account.user_number)  # the client keeps the cookies
        response = await api.get(ME)
        assert response.status_code == 200
        assert response.json()["user_number"] == account.user_number

    async def test_a_state_change_by_cookie_needs_the_csrf_header(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        account = await make_user(login=False)
        await login(api, account.user_number)
        csrf = api.cookies["attn_csrf"]
        missing = await api.post(LOGOUT)
        assert missing.status_code == 403
        assert error_code(missing) == "csrf_failed"
        wrong = await api.post(LOGOUT, headers={"X-CSRF-Token": "0" * 64})
        assert wrong.status_code == 403
        assert error_code(wrong) == "csrf_failed"
        assert await runtime.redis.exists(await newest_key(runtime.redis, account.user_number)) == 1
        right = await api.post(LOGOUT, headers={"X-CSRF-Token": csrf})
        assert right.status_code == 204
        assert await runtime.redis.exists(await newest_key(runtime.redis, account.user_number)) == 0
        cleared = set_cookies(right)
        assert cleared["attn_session"].value == ""
        assert cleared["attn_csrf"].value == ""

    async def test_a_planted_matching_cookie_and_header_are_refused(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        """Double submit alone would pass here; the token is bound to the session."""
        account = await make_user(login=False)
        await login(api, account.user_number)
        api.cookies.set("attn_csrf", "f" * 64)
        response = await api.post(LOGOUT, headers={"X-CSRF-Token": "f" * 64})
        assert response.status_code == 403
        assert error_code(response) == "csrf_failed"

    async def test_another_sessions_csrf_token_is_refused(
        self, app: FastAPI, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        victim = await make_user(login=False)
        attacker = await make_user(login=False)
        async with client_from(app, "127.0.0.1") as other:
            await login(other, attacker.user_number)
            attackers_csrf = other.cookies["attn_csrf"]
        await login(api, victim.user_number)
        api.cookies.set("attn_csrf", attackers_csrf)
        response = await api.post(LOGOUT, headers={"X-CSRF-Token": attackers_csrf})
        assert response.status_code == 403

    async def test_bearer_requests_need_no_csrf_header_even_with_cookies(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        account = await make_user(login=False)
        token = (await login(api, account.user_number)).json()["access_token"]
        response = await api.post(LOGOUT, headers=bearer(token))
        assert response.status_code == 204
