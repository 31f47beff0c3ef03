"""Issue 17.2: a lesson through nginx over HTTPS, as docs/deploy.md installs it.

Everyone runs on loopback, each person from an address of their own (127.0.0.0/8 is all
this machine's), so ATTN can only tell them apart by what nginx forwards: a teacher starts
an attendance that admits the classroom's range only; students log in and check in through
the pages (Secure cookies, same-origin forms through the proxy); their addresses come from
nginx's X-Forwarded-For, a forged one is replaced by nginx and not believed from a client
that goes around nginx; the live channel passes each check-in at once; the worker stores
the records in PostgreSQL. Once on one Redis, once on a three-node Redis Cluster with two
workers."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import ssl
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from attn.db.sql.engine import create_engine
from tests.deploy.conftest import PASSWORD, TEACHER, Deployment
from tests.deploy.stack import Process
from tests.helpers.pages import csrf_of
from tests.helpers.sse import Event, next_events

pytestmark = pytest.mark.nginx

CLASSROOM = "127.0.0.16/28"
TEACHER_AT = "127.0.0.10"
IN_CLASS = {"S001": "127.0.0.17", "S002": "127.0.0.18", "S003": "127.0.0.19"}
FORGED = "127.0.0.20"
"""An address in the classroom that outsiders claim in X-Forwarded-For."""
OUTSIDE_VIA_PROXY = ("S004", "127.0.0.40")
OUTSIDE_AROUND_PROXY = ("S005", "127.0.0.41")
EVENT_WAIT_S = 5
PROMPT_S = 1.0
"""A check-in's event reaches the listener through nginx within this (ATTN itself: ~50 ms)."""
PERSIST_WAIT_S = 30
STOP_WITHIN_S = 10
"""An ``attn serve`` with an open live channel stops within this (the unit allows 30 s)."""


def client(deployment: Deployment, address: str, base_url: str = "") -> httpx.AsyncClient:
    """A client connecting from ``address``, trusting the test's certificate only."""
    verify = ssl.create_default_context(cafile=str(deployment.certificate))
    return httpx.AsyncClient(
        base_url=base_url or deployment.base_url,
        transport=httpx.AsyncHTTPTransport(local_address=address, verify=verify),
        timeout=30,
    )


def all_secure(response: httpx.Response) -> bool:
    cookies = response.headers.get_list("set-cookie")
    return bool(cookies) and all("; secure" in cookie.lower() for cookie in cookies)


async def api_login(api: httpx.AsyncClient, number: str) -> dict[str, str]:
    response = await api.post(
        "/api/v1/auth/login", json={"user_number": number, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    assert all_secure(response), response.headers.get_list("set-cookie")
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def page_check_in(
    api: httpx.AsyncClient, deployment: Deployment, aid: str, number: str
) -> None:
    """A phone after the QR scan: the page, its login form, the check-in form; the forms
    carry the browser's Origin, which ATTN compares with the Host nginx passed on."""
    origin = {"Origin": deployment.base_url}
    page = f"/check-in/{aid}"
    form = {"user_number": number, "password": PASSWORD, "next": page}
    login = await api.post("/login", data=form, headers=origin)
    assert (login.status_code, login.headers.get("location")) == (303, page), login.text
    assert all_secure(login), login.headers.get_list("set-cookie")
    shown = await api.get(page)  # the Secure session cookie goes back over HTTPS
    assert shown.status_code == 200, shown.text
    done = await api.post(page, data={"csrf_token": csrf_of(shown.text)}, headers=origin)
    assert (done.status_code, done.headers.get("location")) == (303, page), done.text


async def outsider_check_in(
    deployment: Deployment, aid: str, who: tuple[str, str], base_url: str = ""
) -> dict[str, Any]:
    number, address = who
    async with client(deployment, address, base_url) as api:
        headers = await api_login(api, number)
        response = await api.post(
            f"/api/v1/attendances/{aid}/check-in",
            headers={**headers, "X-Forwarded-For": FORGED},
        )
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()
    return record


class Listener:
    """The teacher's live list: events as they arrive, each with how long it took."""

    def __init__(self, lines: AsyncIterator[str]) -> None:
        self.lines = lines
        self.delays: list[float] = []

    async def next_after(self, since: float) -> Event:
        [event] = await asyncio.wait_for(next_events(self.lines, 1), EVENT_WAIT_S)
        self.delays.append(time.monotonic() - since)
        return event


def shows(event: Event, number: str, address: str, status: str) -> bool:
    record = event.json["record"]
    return (record["student_number"], record["client_ip"], record["status"]) == (
        number,
        address,
        status,
    )


async def run_lesson(deployment: Deployment, teacher: httpx.AsyncClient, aid: str) -> None:
    headers = await api_login(teacher, TEACHER)
    snapshot = await teacher.get(f"/api/v1/attendances/{aid}/records", headers=headers)
    events_url = f"/api/v1/attendances/{aid}/events"
    params = {"after": snapshot.json()["last_event_id"]}
    async with teacher.stream("GET", events_url, params=params, headers=headers) as stream:
        assert stream.status_code == 200, await stream.aread()
        listener = Listener(stream.aiter_lines())
        for number, address in IN_CLASS.items():
            async with client(deployment, address) as phone:
                await page_check_in(phone, deployment, aid, number)
            assert shows(await listener.next_after(time.monotonic()), number, address, "present")
        for who, base_url in (
            (OUTSIDE_VIA_PROXY, deployment.base_url),
            (OUTSIDE_AROUND_PROXY, deployment.api_urls[0]),
        ):
            record = await outsider_check_in(deployment, aid, who, base_url)
            assert (record["client_ip"], record["fail_reason"]) == (who[1], "network_mismatch")
            assert shows(await listener.next_after(time.monotonic()), *who, "rejected")
        finished = await teacher.post(f"/api/v1/attendances/{aid}/finish", headers=headers)
        assert finished.status_code == 200, finished.text
        assert (await listener.next_after(time.monotonic())).event == "finished"
    assert max(listener.delays) < PROMPT_S, listener.delays


async def stored_records(database_url: str, aid: str) -> dict[str, tuple[str, str]]:
    engine = create_engine(database_url, application_name="attn-tests", null_pool=True)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT student_number, status, client_ip FROM attendance_records "
                    "WHERE attendance_id = :aid"
                ),
                {"aid": aid},
            )
            return {row[0]: (row[1], row[2]) for row in rows}
    finally:
        await engine.dispose()


async def wait_archived(teacher: httpx.AsyncClient, aid: str) -> None:
    headers = await api_login(teacher, TEACHER)
    deadline = time.monotonic() + PERSIST_WAIT_S
    while time.monotonic() < deadline:
        shown = await teacher.get(f"/api/v1/attendances/{aid}", headers=headers)
        assert shown.status_code == 200, shown.text
        if shown.json()["source"] == "archive":
            return
        await asyncio.sleep(0.2)
    pytest.fail(f"attendance {aid} not stored within {PERSIST_WAIT_S}s")


async def edges_of_the_proxy(deployment: Deployment) -> None:
    """Plain HTTP only redirects to HTTPS; /metrics is for the scraper on each process."""
    async with httpx.AsyncClient(base_url=deployment.http_url) as plain:
        response = await plain.get("/login?next=/teacher")
    assert response.status_code == 301
    location = response.headers["location"]
    assert location.startswith("https://127.0.0.1")
    assert location.endswith("/login?next=/teacher")
    async with client(deployment, TEACHER_AT) as outside:
        assert (await outside.get("/metrics")).status_code == 403
    async with client(deployment, TEACHER_AT, deployment.api_urls[1]) as scraper:
        assert (await scraper.get("/metrics")).status_code == 200


async def one_process_down(deployment: Deployment) -> None:
    """A rolling restart's moment: the API process a teacher's live list listens on stops
    (its stream closed, well within the unit's TimeoutStopSec), nginx sends everything to
    the other process, and the live list resumes there from its last event."""
    async with (
        client(deployment, TEACHER_AT) as teacher,
        client(deployment, TEACHER_AT, deployment.api_urls[0]) as on_first,
    ):
        aid = await start_lesson(teacher)
        headers = await api_login(teacher, TEACHER)
        snapshot = await teacher.get(f"/api/v1/attendances/{aid}/records", headers=headers)
        last_seen = snapshot.json()["last_event_id"]
        async with on_first.stream("GET", events_of(aid), headers=headers) as stream:
            assert stream.status_code == 200
            await stop(deployment.servers[0], stream)
        for _ in range(3):  # logins (POST) and reads all answered by the other process
            headers = await api_login(teacher, TEACHER)
            assert (await teacher.get("/api/v1/auth/me", headers=headers)).status_code == 200
        number, address = next(iter(IN_CLASS.items()))
        async with client(deployment, address) as phone:
            await page_check_in(phone, deployment, aid, number)
        resumed = {**headers, "Last-Event-ID": last_seen}
        async with teacher.stream("GET", events_of(aid), headers=resumed) as stream:
            event = await Listener(stream.aiter_lines()).next_after(time.monotonic())
        assert shows(event, number, address, "present")


async def stop(server: Process, listening: httpx.Response) -> None:
    """SIGTERM, as systemd stops a unit: the open live channel ends, the process exits 0."""
    stopped_at = time.monotonic()
    server.popen.send_signal(signal.SIGTERM)

    async def drain() -> None:
        with contextlib.suppress(httpx.HTTPError):
            async for _ in listening.aiter_lines():
                pass

    await asyncio.wait_for(drain(), STOP_WITHIN_S)
    code = await asyncio.to_thread(server.popen.wait, STOP_WITHIN_S)
    assert code == 0, server.written()
    assert time.monotonic() - stopped_at < STOP_WITHIN_S


def events_of(aid: str) -> str:
    return f"/api/v1/attendances/{aid}/events"


async def start_lesson(teacher: httpx.AsyncClient) -> str:
    headers = await api_login(teacher, TEACHER)
    checks = {"network": True, "allowed_networks": [CLASSROOM]}
    body = {"lesson_name": "Dağıtık Sistemler", "duration_minutes": 60, "checks": checks}
    started = await teacher.post("/api/v1/attendances", json=body, headers=headers)
    assert started.status_code == 201, started.text
    aid: str = started.json()["attendance_id"]
    return aid


async def test_a_lesson_through_nginx_over_https(deployment: Deployment) -> None:
    async with client(deployment, TEACHER_AT) as teacher:
        aid = await start_lesson(teacher)
        await run_lesson(deployment, teacher, aid)
        await wait_archived(teacher, aid)
    await edges_of_the_proxy(deployment)
    stored = await stored_records(deployment.database_url, aid)
    assert stored == {
        **{number: ("present", address) for number, address in IN_CLASS.items()},
        OUTSIDE_VIA_PROXY[0]: ("rejected", OUTSIDE_VIA_PROXY[1]),
        OUTSIDE_AROUND_PROXY[0]: ("rejected", OUTSIDE_AROUND_PROXY[1]),
    }
    logs = [worker.written() for worker in deployment.workers]
    assert any("persistence run: attendances=1 records=5" in log for log in logs), logs
    assert not any("persistence run:" in server.written() for server in deployment.servers)
    await one_process_down(deployment)
