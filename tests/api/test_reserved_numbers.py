"""The markers kept where a user's number goes (``self``, ``roster``, ``face_verification``
in ``decided_by`` and the audit log) are no account's number: refused when an admin creates
or imports a user, and in a roster file, each in words and by line."""

from __future__ import annotations

import httpx
import pytest

from attn.db.sql import repository
from attn.models import Role
from attn.runtime import Runtime
from tests.fixtures.app import Account, MakeUser, error_code

USERS = "/api/v1/users"
RESERVED = ["self", "roster", "face_verification", "SELF"]


@pytest.fixture
async def admin(make_user: MakeUser) -> Account:
    return await make_user(Role.ADMIN, number="A0001")


async def account_of(runtime: Runtime, number: str) -> object:
    async with runtime.sessionmaker() as session:
        return await repository.get_user(session, number)


class TestReservedNumbers:
    @pytest.mark.parametrize("number", RESERVED)
    async def test_creating_one_is_a_422_naming_the_field(
        self, api: httpx.AsyncClient, runtime: Runtime, admin: Account, number: str
    ) -> None:
        body = {"user_number": number, "full_name": "Ali Kaya", "role": "student"}
        response = await api.post(USERS, json=body, headers=admin.headers)
        assert (response.status_code, error_code(response)) == (422, "invalid_input")
        assert "reserved" in response.text
        assert await account_of(runtime, number) is None

    async def test_a_user_import_names_each_line(
        self, api: httpx.AsyncClient, runtime: Runtime, admin: Account
    ) -> None:
        data = b"S1,Ali Kaya,student\nroster,Veli Kaya,student\nself,Can Kaya,teacher\n"
        headers = {**admin.headers, "Content-Type": "text/csv"}
        response = await api.post(f"{USERS}/import", content=data, headers=headers)
        assert (response.status_code, error_code(response)) == (422, "invalid_csv")
        problems = response.json()["error"]["details"]
        assert [(p["line"], p["code"], p["user_number"]) for p in problems] == [
            (2, "invalid_row", "roster"),
            (3, "invalid_row", "self"),
        ]
        assert all("reserved" in p["message"] for p in problems)
        assert await account_of(runtime, "S1") is None

    async def test_a_roster_import_names_the_line(
        self, api: httpx.AsyncClient, runtime: Runtime, admin: Account, make_user: MakeUser
    ) -> None:
        teacher = await make_user(Role.TEACHER, number="T1")
        course = {"code": "FIZ101", "name": "Fizik", "term": "2026", "teacher_numbers": ["T1"]}
        created = await api.post("/api/v1/courses", json=course, headers=admin.headers)
        assert created.status_code == 201, created.text
        url = f"/api/v1/courses/{created.json()['course_id']}/roster/import"
        headers = {**teacher.headers, "Content-Type": "text/csv"}
        data = b"S1,Ali Kaya\nface_verification,Veli Kaya\n"
        response = await api.post(url, content=data, headers=headers)
        assert (response.status_code, error_code(response)) == (422, "invalid_csv")
        [problem] = response.json()["error"]["details"]
        assert (problem["line"], problem["code"]) == (2, "invalid_row")
        assert "reserved" in problem["message"]
        assert await account_of(runtime, "face_verification") is None
