"""What one student of ``bench/rush.py`` sends: the page, the login (or the remembered
device's resume) and the check-in, each request built as a phone's browser would send it."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Awaitable, Callable

from bench.loadgen import Reply, Request
from bench.rush_client import Connection, StepFailed, run_journeys
from bench.rush_setup import HOST

LOGIN = "/api/v1/auth/login"
RESUME = "/api/v1/auth/resume"
REMEMBER_COOKIE = "attn_remember"
DEVICE_HEADER = "X-Device-Id"
JSON = {"Content-Type": "application/json"}

Journey = Callable[[Connection, str], Awaitable[None]]


class NotSupported(SystemExit):
    """The server lacks what a mode needs: the benchmark stops with this message."""


def device_id(number: str) -> str:
    return f"rush-phone-{number}"


def page_request(attendance_id: str) -> Request:
    return Request("GET", f"/check-in/{attendance_id}", {"Accept": "text/html"})


def login_request(number: str, password: str, *, remember: bool = False) -> Request:
    body: dict[str, object] = {"user_number": number, "password": password}
    headers = dict(JSON)
    if remember:
        body["remember"] = True
        headers[DEVICE_HEADER] = device_id(number)
    return Request("POST", LOGIN, headers, json.dumps(body).encode())


def resume_request(number: str, cookie: str | None) -> Request:
    headers = {DEVICE_HEADER: device_id(number)}
    if cookie is not None:
        headers["Cookie"] = f"{REMEMBER_COOKIE}={cookie}"
    return Request("POST", RESUME, headers)


def checkin_request(attendance_id: str, token: str, number: str) -> Request:
    headers = {**JSON, "Authorization": f"Bearer {token}", DEVICE_HEADER: device_id(number)}
    return Request("POST", f"/api/v1/attendances/{attendance_id}/check-in", headers, b"{}")


def token_of(reply: Reply) -> str:
    return str(json.loads(reply.body)["access_token"])


def cookie_of(reply: Reply, name: str) -> str | None:
    """The value a ``Set-Cookie`` of ``reply`` gives cookie ``name`` (None: not set)."""
    for header in reply.headers("set-cookie"):
        key, _, value = header.split(";", 1)[0].partition("=")
        if key.strip() == name:
            return value.strip().strip('"')
    return None


def password_journey(attendance_id: str, password: str) -> Journey:
    """Open the page, log in with the password, check in."""
    page = page_request(attendance_id)

    async def journey(connection: Connection, number: str) -> None:
        await connection.send("page", page, expect=200)
        login = await connection.send("login", login_request(number, password), expect=200)
        checkin = checkin_request(attendance_id, token_of(login), number)
        await connection.send("check-in", checkin, expect=201)

    return journey


def resume_journey(attendance_id: str, cookies: dict[str, str]) -> Journey:
    """Open the page, resume with the remembered device's cookie (no password), check in."""
    page = page_request(attendance_id)

    async def journey(connection: Connection, number: str) -> None:
        await connection.send("page", page, expect=200)
        resumed = await connection.send("resume", resume_request(number, cookies[number]), 200)
        checkin = checkin_request(attendance_id, token_of(resumed), number)
        await connection.send("check-in", checkin, expect=201)

    return journey


async def check_resume_supported(port: int) -> None:
    """``POST /api/v1/auth/resume`` without a cookie is a 401 where the endpoint exists."""
    connection = Connection(HOST, port, Counter())
    try:
        await connection.send("resume probe", resume_request("rc000000", None), expect=401)
    except StepFailed as failed:
        raise NotSupported(
            f"--remembered needs POST {RESUME} (issue 14.2, 'remember this phone'); this "
            f"server answers it with {failed.reply.status}: not there yet. Run without "
            "--remembered, or on a branch that has it."
        ) from None
    finally:
        connection.close()


async def remember_devices(
    port: int, numbers: list[str], password: str, concurrency: int
) -> dict[str, str]:
    """Log every student in once with ``remember`` (not measured); their cookies."""
    cookies: dict[str, str] = {}

    async def remember(connection: Connection, number: str) -> None:
        request = login_request(number, password, remember=True)
        cookie = cookie_of(await connection.send("remember login", request, 200), REMEMBER_COOKIE)
        if cookie is not None:
            cookies[number] = cookie

    result = await run_journeys(HOST, port, numbers, remember, concurrency)
    if result.errors:
        raise NotSupported(
            f'{len(result.errors)} of {len(numbers)} logins with "remember": true failed, '
            f"e.g. {result.errors[0]} (a 422: the login does not take it yet, issue 14.2)"
        )
    if len(cookies) < len(numbers):
        raise NotSupported(
            f'{len(numbers) - len(cookies)} logins with "remember": true set no '
            f"{REMEMBER_COOKIE} cookie: this server does not remember devices yet (issue 14.2)"
        )
    return cookies
