"""Malformed input answers one way: 422 ``invalid_input`` with details naming the problem,
whatever part of the parsing (JSON decoder, FastAPI, Pydantic) noticed it."""

from __future__ import annotations

import sys
from typing import Any

import httpx
import pytest

from attn.models import Role
from tests.fixtures.app import Account, MakeUser

LOGIN = "/api/v1/auth/login"
USERS = "/api/v1/users"
ATTENDANCES = "/api/v1/attendances"

HUGE_INTEGER = b'{"user_number": ' + b"9" * 5000 + b', "password": "x"}'
DEEP_NESTING = b'{"user_number": ' + b"[" * 5000 + b"]" * 5000 + b', "password": "x"}'


@pytest.fixture
async def admin(make_user: MakeUser) -> Account:
    return await make_user(Role.ADMIN)


def only_detail(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    [detail] = error["details"]
    assert isinstance(detail, dict)
    return detail


class TestJsonTheDecoderRefuses:
    @pytest.mark.parametrize(
        ("content", "problem"),
        [
            (HUGE_INTEGER, f"JSON body has an integer of more than {sys.get_int_max_str_digits()}"),
            (DEEP_NESTING, "JSON body is nested too deeply"),
        ],
        ids=["5000-digit-integer", "5000-deep-nesting"],
    )
    @pytest.mark.parametrize("path", [LOGIN, USERS], ids=["login", "create-user"])
    async def test_is_422_invalid_input_like_other_malformed_json(
        self, api: httpx.AsyncClient, admin: Account, path: str, content: bytes, problem: str
    ) -> None:
        headers = {**admin.headers, "Content-Type": "application/json"}
        response = await api.post(path, content=content, headers=headers)
        detail = only_detail(response)
        assert response.json()["error"]["message"] == "invalid request: body"
        assert (detail["loc"], detail["type"]) == (["body"], "json_invalid")
        assert detail["msg"].startswith(problem), detail["msg"]


class TestDateQueryParameters:
    @pytest.mark.parametrize("name", ["from", "to"])
    async def test_a_bad_date_names_the_parameter_with_a_plain_message(
        self, api: httpx.AsyncClient, make_user: MakeUser, name: str
    ) -> None:
        teacher = await make_user(Role.TEACHER)
        response = await api.get(ATTENDANCES, params={name: "yesterday"}, headers=teacher.headers)
        assert only_detail(response) == {
            "loc": ["query", name],
            "msg": "must be a date (2026-01-31) or a date and time with its time zone "
            "(2026-01-31T09:00:00+03:00)",
            "type": "date_or_datetime",
        }
        assert response.json()["error"]["message"] == f"invalid request: {name}"

    async def test_a_time_without_a_zone_says_so(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        teacher = await make_user(Role.TEACHER)
        params = {"from": "2026-01-31T09:00:00"}
        response = await api.get(ATTENDANCES, params=params, headers=teacher.headers)
        detail = only_detail(response)
        assert detail["loc"] == ["query", "from"]
        assert detail["msg"] == "datetime must be timezone-aware (e.g. end with Z or +03:00)"

    @pytest.mark.parametrize(
        "value", ["2026-01-31", "2026-01-31T09:00:00Z", "2026-01-31T12:00:00+03:00"]
    )
    async def test_dates_and_instants_are_still_accepted(
        self, api: httpx.AsyncClient, make_user: MakeUser, value: str
    ) -> None:
        teacher = await make_user(Role.TEACHER)
        response = await api.get(ATTENDANCES, params={"from": value}, headers=teacher.headers)
        assert response.status_code == 200, response.text
