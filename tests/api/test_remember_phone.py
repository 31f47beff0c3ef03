"""'Remember this phone': a rotating device credential opens new sessions without a
password, and every way it can be abused is refused (issue 14.2 and 14.5)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any

import httpx
import pytest

from attn.clock import FrozenClock
from attn.db import keys
from attn.models import Role
from attn.runtime import Runtime
from tests.fixtures.app import DEFAULT_PASSWORD, Account, MakeUser, error_code

LOGIN = "/api/v1/auth/login"
RESUME = "/api/v1/auth/resume"
ME = "/api/v1/auth/me"
PHONE = "phone-0001-aaaa"
OTHER_PHONE = "phone-0002-bbbb"


def remembering(account: Account) -> dict[str, Any]:
    """A login body asking to remember this phone."""
    return {"user_number": account.user_number, "password": DEFAULT_PASSWORD, "remember": True}


def remember_cookie(response: httpx.Response) -> Any:
    """The ``attn_remember`` Set-Cookie of a response, as a Morsel (None without one)."""
    for header in response.headers.get_list("set-cookie"):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        if "attn_remember" in cookie:
            return cookie["attn_remember"]
    return None


async def remembered_login(api: httpx.AsyncClient, account: Account, device: str = PHONE) -> str:
    response = await api.post(
        LOGIN,
        json=remembering(account),
        headers={"X-Device-Id": device},
    )
    assert response.status_code == 200, response.text
    morsel = remember_cookie(response)
    assert morsel is not None
    return str(morsel.value)


async def resume(
    api: httpx.AsyncClient, credential: str | None, device: str | None = PHONE
) -> httpx.Response:
    """A resume sending exactly this credential (the client's cookie jar left out)."""
    api.cookies.clear()
    headers = {} if device is None else {"X-Device-Id": device}
    if credential is not None:
        headers["Cookie"] = f"attn_remember={credential}"
    return await api.post(RESUME, headers=headers)


async def alive(api: httpx.AsyncClient, token: str) -> bool:
    api.cookies.clear()
    response = await api.get(ME, headers={"Authorization": f"Bearer {token}"})
    return response.status_code == 200


@pytest.fixture
async def student(make_user: MakeUser) -> Account:
    return await make_user(Role.STUDENT, login=False)


class TestRemembering:
    async def test_the_cookie_is_httponly_long_lived_and_only_for_auth(
        self, api: httpx.AsyncClient, runtime: Runtime, student: Account
    ) -> None:
        response = await api.post(
            LOGIN,
            json={
                "user_number": student.user_number,
                "password": DEFAULT_PASSWORD,
                "remember": True,
            },
            headers={"X-Device-Id": PHONE},
        )
        morsel = remember_cookie(response)
        assert morsel["httponly"] is True
        assert morsel["path"] == "/api/v1/auth"
        assert morsel["samesite"] == "strict"
        assert int(morsel["max-age"]) == 120 * 86_400
        secret = str(morsel.value).rsplit(".", 1)[1]
        stored = await runtime.redis.get(keys.remembered_device(student.user_number))
        assert stored is not None
        assert secret not in stored
        assert PHONE in stored
        ttl = await runtime.redis.ttl(keys.remembered_device(student.user_number))
        assert 0 < ttl <= 120 * 86_400

    async def test_a_remembered_phone_gets_a_session_without_a_password(
        self, api: httpx.AsyncClient, student: Account
    ) -> None:
        credential = await remembered_login(api, student)
        response = await resume(api, credential)
        assert response.status_code == 200, response.text
        assert response.json()["user"]["user_number"] == student.user_number
        assert await alive(api, response.json()["access_token"])
        rotated = remember_cookie(response)
        assert rotated is not None
        assert rotated.value != credential
        again = await resume(api, str(rotated.value))
        assert again.status_code == 200, again.text

    async def test_without_a_device_id_remembering_is_refused(
        self, api: httpx.AsyncClient, student: Account
    ) -> None:
        response = await api.post(
            LOGIN,
            json={
                "user_number": student.user_number,
                "password": DEFAULT_PASSWORD,
                "remember": True,
            },
        )
        assert response.status_code == 422
        assert error_code(response) == "device_id_required"

    async def test_staff_are_not_remembered(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        teacher = await make_user(Role.TEACHER, login=False)
        response = await api.post(
            LOGIN,
            json={
                "user_number": teacher.user_number,
                "password": DEFAULT_PASSWORD,
                "remember": True,
            },
            headers={"X-Device-Id": PHONE},
        )
        assert response.status_code == 200
        assert remember_cookie(response) is None


class TestRefusals:
    @pytest.mark.parametrize(
        "credential", [None, "", "garbage", "S1.abc.def", "S1." + "0" * 32 + ".short"]
    )
    async def test_a_missing_or_malformed_credential_is_401(
        self, api: httpx.AsyncClient, credential: str | None
    ) -> None:
        response = await resume(api, credential)
        assert response.status_code == 401
        assert error_code(response) == "remember_invalid"

    async def test_a_forged_secret_is_refused_and_changes_nothing(
        self, api: httpx.AsyncClient, runtime: Runtime, student: Account
    ) -> None:
        credential = await remembered_login(api, student)
        key = keys.remembered_device(student.user_number)
        before = await runtime.redis.get(key)
        user_number, family, _secret = credential.rsplit(".", 2)
        forged = await resume(api, f"{user_number}.{family}.{'x' * 43}")
        assert forged.status_code == 401
        assert error_code(forged) == "remember_invalid"
        assert await runtime.redis.get(key) == before
        assert (await resume(api, credential)).status_code == 200

    async def test_another_device_is_refused_and_changes_nothing(
        self, api: httpx.AsyncClient, runtime: Runtime, student: Account
    ) -> None:
        credential = await remembered_login(api, student)
        key = keys.remembered_device(student.user_number)
        before = await runtime.redis.get(key)
        for device in (OTHER_PHONE, None):
            response = await resume(api, credential, device)
            assert response.status_code == 401
            assert error_code(response) == "remember_wrong_device"
        assert await runtime.redis.get(key) == before
        assert (await resume(api, credential)).status_code == 200

    async def test_a_replayed_credential_revokes_the_whole_chain(
        self, api: httpx.AsyncClient, student: Account
    ) -> None:
        stolen = await remembered_login(api, student)
        first = await resume(api, stolen)  # the thief uses the copy first
        assert first.status_code == 200
        rotated = str(remember_cookie(first).value)
        replay = await resume(api, stolen)  # the phone's own, now rotated out
        assert replay.status_code == 401
        assert error_code(replay) == "remember_replayed"
        assert (await resume(api, rotated)).status_code == 401  # the chain is gone
        assert not await alive(api, first.json()["access_token"])  # and its session

    @pytest.mark.parametrize("how", ["logout", "logout-all", "admin", "other-phone"])
    async def test_revoked_credentials_are_refused(
        self, api: httpx.AsyncClient, make_user: MakeUser, student: Account, how: str
    ) -> None:
        credential = await remembered_login(api, student)
        session = await resume(api, credential)
        token, credential = session.json()["access_token"], str(remember_cookie(session).value)
        api.cookies.clear()
        auth = {"Authorization": f"Bearer {token}"}
        if how in ("logout", "logout-all"):
            assert (await api.post(f"/api/v1/auth/{how}", headers=auth)).status_code == 204
        elif how == "admin":
            admin = await make_user(Role.ADMIN)
            path = f"/api/v1/users/{student.user_number}/sessions"
            assert (await api.delete(path, headers=admin.headers)).status_code == 204
        else:
            login = {"user_number": student.user_number, "password": DEFAULT_PASSWORD}
            assert (await api.post(LOGIN, json=login)).status_code == 200
        response = await resume(api, credential)
        assert response.status_code == 401
        assert error_code(response) == "remember_invalid"

    async def test_a_new_password_revokes_it(
        self, api: httpx.AsyncClient, make_user: MakeUser, student: Account
    ) -> None:
        credential = await remembered_login(api, student)
        admin = await make_user(Role.ADMIN)
        csv = f"{student.user_number},{student.full_name},student,a-new-password-123\n"
        response = await api.post(
            "/api/v1/users/import?on_existing=update",
            content=csv.encode(),
            headers={**admin.headers, "Content-Type": "text/csv"},
        )
        assert response.status_code == 200, response.text
        refused = await resume(api, credential)
        assert refused.status_code == 401
        assert error_code(refused) == "remember_invalid"

    async def test_an_expired_credential_is_refused(
        self, api: httpx.AsyncClient, runtime: Runtime, student: Account
    ) -> None:
        credential = await remembered_login(api, student)
        clock = FrozenClock()
        runtime.clock = clock
        clock.advance(timedelta(days=121).total_seconds())
        response = await resume(api, credential)
        assert response.status_code == 401
        assert error_code(response) == "remember_invalid"


class TestResumeFromRedis:
    """A resume reads no database: the credential carries the name, kept up to date."""

    async def test_an_admins_rename_reaches_the_next_resume(
        self, api: httpx.AsyncClient, make_user: MakeUser, student: Account
    ) -> None:
        credential = await remembered_login(api, student)
        admin = await make_user(Role.ADMIN)
        api.cookies.clear()
        path = f"/api/v1/users/{student.user_number}"
        renamed = await api.patch(path, json={"full_name": "Şükrü Gündoğdu"}, headers=admin.headers)
        assert renamed.status_code == 200, renamed.text
        response = await resume(api, credential)
        assert response.status_code == 200, response.text
        assert response.json()["user"]["full_name"] == "Şükrü Gündoğdu"

    async def test_two_resumes_with_one_cookie_at_once_are_a_replay(
        self, api: httpx.AsyncClient, runtime: Runtime, student: Account
    ) -> None:
        credential = await remembered_login(api, student)
        api.cookies.clear()
        headers = {"X-Device-Id": PHONE, "Cookie": f"attn_remember={credential}"}
        first, second = await asyncio.gather(
            api.post(RESUME, headers=headers), api.post(RESUME, headers=headers)
        )
        assert sorted([first.status_code, second.status_code]) == [200, 401]
        won, lost = (first, second) if first.status_code == 200 else (second, first)
        assert error_code(lost) == "remember_replayed"
        assert not await alive(api, won.json()["access_token"])
        assert await runtime.redis.exists(keys.remembered_device(student.user_number)) == 0

    async def test_a_credential_stored_before_names_were_kept_is_refused(
        self, api: httpx.AsyncClient, runtime: Runtime, student: Account
    ) -> None:
        credential = await remembered_login(api, student)
        key = keys.remembered_device(student.user_number)
        stored = await runtime.redis.get(key)
        assert stored is not None
        older = json.loads(stored)
        del older["full_name"]
        await runtime.redis.set(key, json.dumps(older), keepttl=True)
        response = await resume(api, credential)
        assert response.status_code == 401
        assert error_code(response) == "remember_invalid"
        login = await api.post(LOGIN, json=remembering(student), headers={"X-Device-Id": PHONE})
        assert (await resume(api, str(remember_cookie(login).value))).status_code == 200
