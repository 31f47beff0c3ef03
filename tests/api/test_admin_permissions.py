"""The admin's endpoints (accounts and the audit log) refuse everyone else, whatever they
send: 401 without a login, 403 for a teacher or student (and nothing changes), 404 for an
unknown account."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from attn.db.sql import repository
from attn.models import Role
from attn.runtime import Runtime
from attn.services.accounts.auth import hash_secret, parse_token
from tests.fixtures.app import Account, MakeUser, error_code

USERS = "/api/v1/users"


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # ``{number}`` is filled in
    json: Any = None
    params: dict[str, str] = field(default_factory=dict)

    async def send(
        self, api: httpx.AsyncClient, who: Account | None, number: str
    ) -> httpx.Response:
        api.cookies.clear()
        return await api.request(
            self.method,
            self.path.format(number=number),
            json=self.json,
            params=self.params,
            headers=who.headers if who else {},
        )

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


BY_NUMBER = [
    Call("GET", USERS + "/{number}"),
    Call("PATCH", USERS + "/{number}", json={"full_name": "Someone Else"}),
    Call("DELETE", USERS + "/{number}/sessions"),
    Call("POST", USERS + "/{number}/deactivate"),
    Call("POST", USERS + "/{number}/reactivate"),
    Call("PUT", USERS + "/{number}/password", json={"password": "a new passphrase"}),
]
COLLECTION = [
    Call("GET", USERS, params={"q": "a"}),
    Call("POST", USERS, json={"user_number": "S9", "full_name": "X", "role": "admin"}),
    Call("GET", "/api/v1/audit"),
]
EVERY = [*BY_NUMBER, *COLLECTION]


def ids(calls: list[Call]) -> list[Any]:
    return [pytest.param(call, id=str(call)) for call in calls]


async def directory(runtime: Runtime) -> list[tuple[str, str, str, bool, str | None]]:
    async with runtime.sessionmaker() as session:
        page = await repository.list_users(session, limit=100)
    return [
        (u.user_number, u.full_name, u.role.value, u.active, u.password_hash) for u in page.items
    ]


class TestAdminsOnly:
    @pytest.mark.parametrize("call", ids(EVERY))
    async def test_no_login_is_401(
        self, api: httpx.AsyncClient, make_user: MakeUser, call: Call
    ) -> None:
        target = await make_user(Role.STUDENT, login=False)
        response = await call.send(api, None, target.user_number)
        assert (response.status_code, error_code(response)) == (401, "unauthorized")

    @pytest.mark.parametrize("role", [Role.TEACHER, Role.STUDENT])
    @pytest.mark.parametrize("call", ids(EVERY))
    async def test_teachers_and_students_are_403_and_change_nothing(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser, role: Role, call: Call
    ) -> None:
        target = await make_user(Role.STUDENT)
        caller = await make_user(role)
        before = await directory(runtime)
        response = await call.send(api, caller, target.user_number)
        assert (response.status_code, error_code(response)) == (403, "wrong_role")
        assert await directory(runtime) == before
        assert await runtime.redis_client.get_user_session(target.user_number, _token_hash(target))
        async with runtime.sessionmaker() as session:
            assert (await repository.list_audit(session)).total == 0

    @pytest.mark.parametrize("call", ids(BY_NUMBER))
    async def test_an_unknown_account_is_404(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser, call: Call
    ) -> None:
        admin = await make_user(Role.ADMIN)
        response = await call.send(api, admin, "NOBODY1")
        assert (response.status_code, error_code(response)) == (404, "user_not_found")
        async with runtime.sessionmaker() as session:
            assert (await repository.list_audit(session)).total == 0

    @pytest.mark.parametrize("call", ids(BY_NUMBER))
    async def test_a_malformed_number_is_422(
        self, api: httpx.AsyncClient, make_user: MakeUser, call: Call
    ) -> None:
        admin = await make_user(Role.ADMIN)
        response = await call.send(api, admin, "a}b:c")
        assert (response.status_code, error_code(response)) == (422, "invalid_input")


def _token_hash(account: Account) -> str:
    return hash_secret(parse_token(account.token)[1])
