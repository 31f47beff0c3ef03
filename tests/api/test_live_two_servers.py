"""Issue 15.5: the live channel goes through Redis, so a teacher listening on one
``attn serve`` process sees the check-ins another one serves, in order, and a reconnect
with ``Last-Event-ID`` gets exactly the ones it missed. Two real servers, one Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from attn.db.redis_connection import AnyRedis
from tests.helpers.processes import Served, attn_serve, clean_env, run_attn
from tests.helpers.sse import next_events, parse_events

TEACHER = ("demo-teacher", "demo-teacher-pass")
STUDENTS = [f"demo-s{n:02d}" for n in range(1, 7)]
STUDENT_PASSWORD = "demo-student-pass"
EVENT_WAIT_S = 10


@pytest.fixture
def two_servers(redis_url: str, redis: AnyRedis, tmp_path: Path) -> Iterator[list[Served]]:
    """Two ``attn serve`` processes on the test Redis and one SQLite file (the demo
    accounts); ``redis`` flushes the database around the test."""
    env = clean_env(
        tmp_path / "data",
        ATTN_REDIS_URL=redis_url,
        ATTN_PERSIST_ENABLED="false",
        ATTN_LIVE_HEARTBEAT_SECONDS="1",
    )
    demo = run_attn("demo", env=env)
    assert demo.returncode == 0, demo.stderr
    with ExitStack() as stack:
        servers = [stack.enter_context(attn_serve(env)) for _ in range(2)]
        yield servers
    for server in servers:
        assert "Traceback" not in server.stderr, server.stderr


async def log_in(client: httpx.AsyncClient, number: str, password: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/login", json={"user_number": number, "password": password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def check_in(client: httpx.AsyncClient, aid: str, headers: dict[str, str]) -> None:
    response = await client.post(f"/api/v1/attendances/{aid}/check-in", headers=headers)
    assert response.status_code == 201, response.text


def numbers(events: list[Any]) -> list[str]:
    return [event.json["record"]["student_number"] for event in events]


@pytest.fixture
async def clients(two_servers: list[Served]) -> AsyncIterator[tuple[httpx.AsyncClient, ...]]:
    async with (
        httpx.AsyncClient(base_url=two_servers[0].base_url, timeout=30) as a,
        httpx.AsyncClient(base_url=two_servers[1].base_url, timeout=30) as b,
    ):
        yield a, b


async def test_a_listener_on_one_server_sees_the_other_servers_check_ins(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    a, b = clients
    teacher = await log_in(b, *TEACHER)
    students = [await log_in(b, number, STUDENT_PASSWORD) for number in STUDENTS]
    started = await b.post(
        "/api/v1/attendances",
        json={"lesson_name": "Canlı", "duration_minutes": 60},
        headers=teacher,
    )
    assert started.status_code == 201, started.text
    aid = started.json()["attendance_id"]
    snapshot = (await a.get(f"/api/v1/attendances/{aid}/records", headers=teacher)).json()
    events_url = f"/api/v1/attendances/{aid}/events"

    async with a.stream(
        "GET", events_url, params={"after": snapshot["last_event_id"]}, headers=teacher
    ) as stream:
        assert stream.status_code == 200
        lines = stream.aiter_lines()
        for student in students[:3]:
            await check_in(b, aid, student)
        seen = await asyncio.wait_for(next_events(lines, 3), EVENT_WAIT_S)
    assert numbers(seen) == STUDENTS[:3]

    for student in students[3:]:  # while the listener is away
        await check_in(b, aid, student)
    finished = await b.post(f"/api/v1/attendances/{aid}/finish", headers=teacher)
    assert finished.status_code == 200
    resumed = await a.get(events_url, headers={**teacher, "Last-Event-ID": str(seen[-1].id)})
    missed = parse_events(resumed.text)
    assert [event.event for event in missed] == ["record", "record", "record", "finished"]
    assert numbers(missed[:3]) == STUDENTS[3:]
