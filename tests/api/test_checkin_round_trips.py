"""The check-in stays at two Redis round trips however many sessions a user holds: the
session, the student's limit and the lesson in one pipeline, then the check-in script
(issue 14.1 measured). Counted at the redis-py connection, where each command or pipeline
is one write to the socket."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from redis.asyncio.connection import Connection

from attn.models import Role
from tests.fixtures.app import MakeUser
from tests.helpers.attendance_api import check_in, start
from tests.helpers.auth_api import login


@contextmanager
def counted_round_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts what every Redis connection sends while the block runs (into ``[n]``)."""
    sent = [0]
    original = Connection.send_packed_command

    async def counting(self: Connection, command: object, check_health: bool = True) -> None:
        sent[0] += 1
        await original(self, command, check_health)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(Connection, "send_packed_command", counting)
        yield sent


async def test_a_check_in_is_two_round_trips(
    api: httpx.AsyncClient, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    teacher = await make_user(Role.TEACHER)
    lesson = await start(api, teacher, lesson_name="Fizik 1")
    students = [await make_user(Role.STUDENT) for _ in range(3)]
    await check_in(api, students[0], lesson["attendance_id"])  # scripts loaded, pool warm
    for student in students[1:]:
        with counted_round_trips(monkeypatch) as sent:
            response = await check_in(api, student, lesson["attendance_id"])
        assert response.status_code == 201, response.text
        assert sent == [2]


async def test_a_staff_user_on_several_devices_costs_no_more_per_request(
    api: httpx.AsyncClient, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    teacher = await make_user(Role.TEACHER, login=False)
    tokens = [(await login(api, teacher.user_number)).json()["access_token"] for _ in range(4)]
    api.cookies.clear()
    for token in tokens:
        await api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        with counted_round_trips(monkeypatch) as sent:
            response = await api.get(
                "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}
            )
        assert response.status_code == 200
        assert sent == [1]  # one GET of this device's session (no refresh due yet)
