"""An admin deactivates, reactivates, resets the password of and finds accounts, through
HTTP on SQLite and PostgreSQL: what each does to logins, sessions and the audit log."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from attn.config import Settings
from attn.db import keys
from attn.db.sql import repository
from attn.errors import InvalidCredentials
from attn.models import Role
from attn.runtime import Runtime
from attn.services.accounts.access import LOGIN_BLOCK_SECONDS
from attn.services.accounts.auth import open_session
from tests.api.test_remember_phone import alive, remembered_login, resume
from tests.fixtures.app import DEFAULT_PASSWORD, Account, MakeUser, error_code
from tests.helpers.databases import BOTH_DATABASES, on_database

USERS = "/api/v1/users"
LOGIN = "/api/v1/auth/login"


@pytest.fixture(params=BOTH_DATABASES)
def app_settings(request: pytest.FixtureRequest, app_settings: Settings) -> Settings:
    return on_database(request, app_settings)


@pytest.fixture
async def admin(make_user: MakeUser) -> Account:
    return await make_user(Role.ADMIN, number="A0001")


async def log_in(api: httpx.AsyncClient, number: str, password: str) -> httpx.Response:
    api.cookies.clear()
    return await api.post(LOGIN, json={"user_number": number, "password": password})


async def audit_actions(runtime: Runtime) -> list[tuple[str, str, str]]:
    async with runtime.sessionmaker() as session:
        page = await repository.list_audit(session, limit=100)
    return [(e.actor, e.action, e.details.get("user_number", "")) for e in reversed(page.items)]


def post(api: httpx.AsyncClient, admin: Account, path: str, **kwargs: Any) -> Any:
    api.cookies.clear()
    return api.post(f"{USERS}/{path}", headers=admin.headers, **kwargs)


class TestDeactivate:
    async def test_ends_every_session_refuses_the_login_and_keeps_the_account(
        self, api: httpx.AsyncClient, runtime: Runtime, admin: Account, make_user: MakeUser
    ) -> None:
        teacher = await make_user(Role.TEACHER, number="T1")
        response = await post(api, admin, "T1/deactivate")
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["active"], body["user_number"], body["role"]) == (False, "T1", "teacher")
        assert body["deactivated_at"] is not None
        assert not await alive(api, teacher.token)
        refused = await log_in(api, "T1", DEFAULT_PASSWORD)
        wrong = await log_in(api, "T1", "not the password")
        assert (refused.status_code, error_code(refused)) == (401, "invalid_credentials")
        assert refused.json()["error"]["message"] == wrong.json()["error"]["message"]
        listed = (await api.get(USERS, headers=admin.headers)).json()
        assert {u["user_number"]: u["active"] for u in listed["items"]} == {
            "A0001": True,
            "T1": False,
        }
        assert await audit_actions(runtime) == [("A0001", "user_deactivated", "T1")]

    async def test_a_login_already_past_its_password_check_opens_no_session(
        self, api: httpx.AsyncClient, runtime: Runtime, admin: Account, make_user: MakeUser
    ) -> None:
        """The login read the account while it was active and was hashing the password
        when the admin deactivated it: its session would outlive the logout."""
        await make_user(Role.TEACHER, number="T1", login=False)
        async with runtime.sessionmaker() as session:
            read_before = await repository.get_user(session, "T1")
        assert read_before is not None
        assert read_before.active
        assert (await post(api, admin, "T1/deactivate")).status_code == 200

        with pytest.raises(InvalidCredentials):
            await open_session(
                runtime.redis_client, runtime.settings, read_before, runtime.clock.now()
            )
        assert await runtime.redis_client.user_sessions("T1") == []
        blocked_for = await runtime.redis.ttl(keys.logins_blocked("T1"))
        assert 0 < blocked_for <= LOGIN_BLOCK_SECONDS

        assert (await post(api, admin, "T1/reactivate")).status_code == 200
        assert await runtime.redis.exists(keys.logins_blocked("T1")) == 0
        assert (await log_in(api, "T1", DEFAULT_PASSWORD)).status_code == 200

    async def test_a_remembered_phone_cannot_resume(
        self, api: httpx.AsyncClient, admin: Account, make_user: MakeUser
    ) -> None:
        student = await make_user(Role.STUDENT, login=False)
        credential = await remembered_login(api, student)
        assert (await post(api, admin, f"{student.user_number}/deactivate")).status_code == 200
        refused = await resume(api, credential)
        assert refused.status_code == 401
        assert error_code(refused) == "remember_invalid"

    async def test_twice_changes_nothing_more_and_reactivation_lets_them_in(
        self, api: httpx.AsyncClient, runtime: Runtime, admin: Account, make_user: MakeUser
    ) -> None:
        await make_user(Role.STUDENT, number="S1", login=False)
        first = (await post(api, admin, "S1/deactivate")).json()
        again = (await post(api, admin, "S1/deactivate")).json()
        assert again["deactivated_at"] == first["deactivated_at"]
        back = await post(api, admin, "S1/reactivate")
        assert (back.status_code, back.json()["active"], back.json()["deactivated_at"]) == (
            200,
            True,
            None,
        )
        assert (await post(api, admin, "S1/reactivate")).json()["active"] is True
        assert (await log_in(api, "S1", DEFAULT_PASSWORD)).status_code == 200
        assert await audit_actions(runtime) == [
            ("A0001", "user_deactivated", "S1"),
            ("A0001", "user_reactivated", "S1"),
        ]

    async def test_not_ones_own_account(
        self, api: httpx.AsyncClient, runtime: Runtime, admin: Account
    ) -> None:
        response = await post(api, admin, "A0001/deactivate")
        assert (response.status_code, error_code(response)) == (409, "own_account")
        assert await alive(api, admin.token)
        assert await audit_actions(runtime) == []

    async def test_the_active_filter(
        self, api: httpx.AsyncClient, admin: Account, make_user: MakeUser
    ) -> None:
        for number in ("S1", "S2"):
            await make_user(Role.STUDENT, number=number, login=False)
        await post(api, admin, "S2/deactivate")
        gone = await api.get(USERS, params={"active": "false"}, headers=admin.headers)
        assert [u["user_number"] for u in gone.json()["items"]] == ["S2"]
        here = await api.get(USERS, params={"active": "true"}, headers=admin.headers)
        assert [u["user_number"] for u in here.json()["items"]] == ["A0001", "S1"]


class TestResetPassword:
    async def test_sets_the_new_one_ends_sessions_and_audits_without_it(
        self, api: httpx.AsyncClient, runtime: Runtime, admin: Account, make_user: MakeUser
    ) -> None:
        teacher = await make_user(Role.TEACHER, number="T1")
        api.cookies.clear()
        response = await api.put(
            f"{USERS}/T1/password", json={"password": "a new passphrase"}, headers=admin.headers
        )
        assert response.status_code == 204, response.text
        assert not await alive(api, teacher.token)
        assert (await log_in(api, "T1", DEFAULT_PASSWORD)).status_code == 401
        assert (await log_in(api, "T1", "a new passphrase")).status_code == 200
        assert await audit_actions(runtime) == [("A0001", "password_reset", "T1")]
        async with runtime.sessionmaker() as session:
            (entry,) = (await repository.list_audit(session)).items
        assert "a new passphrase" not in str(entry.details)
        assert entry.details["sessions"] == 1

    @pytest.mark.parametrize(
        "body", [{"password": "short"}, {"password": "x" * 257}, {}, {"password": None}]
    )
    async def test_a_bad_password_is_422_and_changes_nothing(
        self, api: httpx.AsyncClient, admin: Account, make_user: MakeUser, body: Any
    ) -> None:
        await make_user(Role.TEACHER, number="T1", login=False)
        response = await api.put(f"{USERS}/T1/password", json=body, headers=admin.headers)
        assert (response.status_code, error_code(response)) == (422, "invalid_input")
        assert (await log_in(api, "T1", DEFAULT_PASSWORD)).status_code == 200


class TestFindAndRead:
    async def test_search_by_number_start_or_name_words(
        self, api: httpx.AsyncClient, admin: Account, make_user: MakeUser
    ) -> None:
        await make_user(Role.STUDENT, number="2024001", name="Ayşe Yılmaz", login=False)
        await make_user(Role.STUDENT, number="2024002", name="Mehmet Öztürk", login=False)
        await make_user(Role.TEACHER, number="T100", name="Prof. Ayşe Demir", login=False)

        async def found(q: str, **params: str) -> list[str]:
            response = await api.get(USERS, params={"q": q, **params}, headers=admin.headers)
            assert response.status_code == 200, response.text
            return [user["user_number"] for user in response.json()["items"]]

        assert await found("2024") == ["2024001", "2024002"]
        assert await found("t1") == ["T100"]
        assert await found("ayşe") == ["2024001", "T100"]
        assert await found("YILMAZ ayşe") == ["2024001"]
        assert await found("yilmaz AYSE") == ["2024001"]
        assert await found("ÖZTÜRK") == await found("ozturk") == ["2024002"]
        assert await found("prof.") == ["T100"]
        assert await found("ayşe", role="teacher") == ["T100"]
        assert await found("100%") == []  # a wildcard is a character
        assert await found("  ") == ["2024001", "2024002", "A0001", "T100"]

    async def test_one_account(
        self, api: httpx.AsyncClient, admin: Account, make_user: MakeUser
    ) -> None:
        await make_user(Role.STUDENT, number="S1", name="Ali Veli", login=False)
        response = await api.get(f"{USERS}/S1", headers=admin.headers)
        assert response.status_code == 200
        assert (response.json()["full_name"], response.json()["active"]) == ("Ali Veli", True)
