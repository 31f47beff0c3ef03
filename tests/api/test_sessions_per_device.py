"""A session per device: staff hold several at once, a student one; logout ends one,
logout everywhere and the admin's "end this user's sessions" end all (issue 14.1)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from attn.config import Settings
from attn.db import keys
from attn.db.sql import repository
from attn.models import Role
from attn.runtime import Runtime
from tests.fixtures.app import MakeUser, error_code
from tests.helpers.auth_api import login

ME = "/api/v1/auth/me"
LOGOUT = "/api/v1/auth/logout"
LOGOUT_ALL = "/api/v1/auth/logout-all"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def tokens(api: httpx.AsyncClient, number: str, count: int) -> list[str]:
    """``count`` logins of one user, one after the other (as from ``count`` devices)."""
    found = []
    for _ in range(count):
        response = await login(api, number)
        assert response.status_code == 200, response.text
        found.append(response.json()["access_token"])
    return found


async def alive(api: httpx.AsyncClient, token: str) -> bool:
    response = await api.get(ME, headers=bearer(token))
    assert response.status_code in (200, 401), response.text
    return response.status_code == 200


class TestStaffSessions:
    @pytest.fixture
    def app_settings(self, app_settings: Settings) -> Settings:
        return app_settings.model_copy(update={"max_sessions_staff": 3})

    @pytest.mark.parametrize("role", [Role.TEACHER, Role.ADMIN])
    async def test_several_devices_are_logged_in_at_once(
        self, api: httpx.AsyncClient, make_user: MakeUser, role: Role
    ) -> None:
        account = await make_user(role, login=False)
        projector, phone, laptop = await tokens(api, account.user_number, 3)
        assert [await alive(api, t) for t in (projector, phone, laptop)] == [True, True, True]

    async def test_one_more_login_ends_the_oldest(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        account = await make_user(Role.TEACHER, login=False)
        first, *others = await tokens(api, account.user_number, 4)
        assert not await alive(api, first)
        assert [await alive(api, t) for t in others] == [True, True, True]
        index = keys.user_sessions(account.user_number)
        assert await runtime.redis.zcard(index) == 3

    async def test_logout_ends_only_that_session(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        account = await make_user(Role.TEACHER, login=False)
        projector, phone = await tokens(api, account.user_number, 2)
        response = await api.post(LOGOUT, headers=bearer(projector))
        assert response.status_code == 204
        assert not await alive(api, projector)
        assert await alive(api, phone)

    async def test_logout_everywhere_ends_every_session(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        account = await make_user(Role.TEACHER, login=False)
        projector, phone, laptop = await tokens(api, account.user_number, 3)
        response = await api.post(LOGOUT_ALL, headers=bearer(phone))
        assert response.status_code == 204
        assert [await alive(api, t) for t in (projector, phone, laptop)] == [False] * 3
        assert await runtime.redis.exists(keys.user_sessions(account.user_number)) == 0

    async def test_logging_out_everywhere_needs_a_session(self, api: httpx.AsyncClient) -> None:
        response = await api.post(LOGOUT_ALL)
        assert response.status_code == 401
        assert error_code(response) == "unauthorized"


class TestStudentSession:
    async def test_a_login_on_another_phone_ends_the_old_one(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        account = await make_user(Role.STUDENT, login=False)
        old_phone, new_phone = await tokens(api, account.user_number, 2)
        assert not await alive(api, old_phone)
        assert await alive(api, new_phone)
        assert await runtime.redis.zcard(keys.user_sessions(account.user_number)) == 1

    async def test_two_phones_logging_in_at_once_leave_one_session(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        account = await make_user(Role.STUDENT, login=False)
        responses = await asyncio.gather(*(login(api, account.user_number) for _ in range(6)))
        assert [r.status_code for r in responses] == [200] * 6
        living = [await alive(api, r.json()["access_token"]) for r in responses]
        assert living.count(True) == 1
        assert await runtime.redis.zcard(keys.user_sessions(account.user_number)) == 1


class TestAdminEndsSessions:
    async def test_every_session_of_the_user_ends_and_it_is_audited(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        admin = await make_user(Role.ADMIN)
        teacher = await make_user(Role.TEACHER, login=False)
        projector, phone = await tokens(api, teacher.user_number, 2)
        path = f"/api/v1/users/{teacher.user_number}/sessions"
        response = await api.delete(path, headers=admin.headers)
        assert response.status_code == 204, response.text
        assert [await alive(api, t) for t in (projector, phone)] == [False, False]
        async with runtime.sessionmaker() as session:
            entries = (await repository.list_audit(session)).items
        ended = [entry for entry in entries if entry.action == "sessions_ended"]
        assert [entry.details for entry in ended] == [
            {"user_number": teacher.user_number, "sessions": 2}
        ]
        assert ended[0].actor == admin.user_number

    async def test_an_unknown_user_is_404(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        admin = await make_user(Role.ADMIN)
        response = await api.delete("/api/v1/users/NOBODY1/sessions", headers=admin.headers)
        assert response.status_code == 404
        assert error_code(response) == "user_not_found"

    async def test_only_an_admin_may(self, api: httpx.AsyncClient, make_user: MakeUser) -> None:
        teacher = await make_user(Role.TEACHER)
        student = await make_user(Role.STUDENT)
        path = f"/api/v1/users/{student.user_number}/sessions"
        response = await api.delete(path, headers=teacher.headers)
        assert response.status_code == 403
        assert await alive(api, student.token)
