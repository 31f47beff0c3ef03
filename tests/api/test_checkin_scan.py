"""The QR scan's ticket: the code read from the QR stays usable through the login, and
the ticket cannot be used to check in from elsewhere (docs/security.md#scan-tickets)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from attn.clock import FrozenClock
from attn.config import Settings
from attn.db import keys
from attn.runtime import Runtime
from attn.services.security.scan_tickets import ticket_hash
from tests.api.test_checkin_round_trips import counted_round_trips
from tests.fixtures.app import Account, error_code
from tests.fixtures.checkin import QuickUser
from tests.helpers.attendance_api import persist, url
from tests.helpers.checkin_api import (
    OTHER_PHONE,
    PHONE,
    check_in,
    current_code,
    start_checked,
    to_step_start,
    wrong,
)

STEP = 15
GRACE = 10
LIFETIME = 300
"""The default ``ATTN_SCAN_TICKET_SECONDS``."""


async def scan(
    api: httpx.AsyncClient, aid: Any, code: str, device: str | None = PHONE
) -> httpx.Response:
    """What the page sends as soon as it opens from the QR link: no login."""
    headers = {} if device is None else {"X-Device-Id": device}
    return await api.post(url(aid, "scan"), json={"code": code}, headers=headers)


async def ticket_of(api: httpx.AsyncClient, aid: Any, code: str, device: str = PHONE) -> str:
    response = await scan(api, aid, code, device)
    assert response.status_code == 201, response.text
    ticket: str = response.json()["scan_ticket"]
    return ticket


async def check_in_by_ticket(
    api: httpx.AsyncClient, student: Account, aid: Any, ticket: str, device: str = PHONE
) -> httpx.Response:
    headers = {**student.headers, "X-Device-Id": device}
    return await api.post(url(aid, "check-in"), json={"scan_ticket": ticket}, headers=headers)


def outcome(response: httpx.Response) -> tuple[int, str, str | None]:
    body = response.json()
    return response.status_code, body["status"], body["fail_reason"]


@pytest.fixture
async def coded(
    api: httpx.AsyncClient, quick_user: QuickUser, clock: FrozenClock
) -> dict[str, Any]:
    """An attendance with the code check, the clock at the start of a code step."""
    teacher = await quick_user("teacher")
    aid = (await start_checked(api, teacher, {"code": True}))["attendance_id"]
    to_step_start(clock, STEP)
    return {"teacher": teacher, "aid": aid, "code": await current_code(api, teacher, aid)}


class TestTheTicketOutlivesTheCodeStep:
    async def test_accepted_after_the_code_expired_where_the_typed_code_is_not(
        self,
        api: httpx.AsyncClient,
        quick_user: QuickUser,
        clock: FrozenClock,
        coded: dict[str, Any],
    ) -> None:
        aid, code = coded["aid"], coded["code"]
        response = await scan(api, aid, code)
        assert response.status_code == 201, response.text
        ticket = response.json()["scan_ticket"]
        assert code not in response.text
        clock.advance(STEP + GRACE + 60)  # a slow login: the code is long gone
        typist, scanner = await quick_user("student"), await quick_user("student")
        typed = await check_in(api, typist, aid, code=code, device=PHONE)
        assert outcome(typed) == (201, "rejected", "code_invalid")
        assert outcome(await check_in_by_ticket(api, scanner, aid, ticket, OTHER_PHONE)) == (
            201,
            "rejected",
            "code_invalid",
        ), "bound to the device of the scan"
        ticket = await ticket_of(api, aid, code)  # a scan now: the code has expired by now
        assert outcome(await check_in_by_ticket(api, scanner, aid, ticket))[2] == "code_invalid"

    async def test_a_scan_in_time_checks_in_minutes_later(
        self,
        api: httpx.AsyncClient,
        quick_user: QuickUser,
        clock: FrozenClock,
        coded: dict[str, Any],
    ) -> None:
        aid = coded["aid"]
        ticket = await ticket_of(api, aid, coded["code"])
        clock.advance(LIFETIME - 5)
        student = await quick_user("student")
        assert outcome(await check_in_by_ticket(api, student, aid, ticket)) == (
            201,
            "present",
            None,
        )

    async def test_expires_with_its_lifetime_in_redis_too(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        quick_user: QuickUser,
        clock: FrozenClock,
        coded: dict[str, Any],
    ) -> None:
        aid = coded["aid"]
        response = await scan(api, aid, coded["code"])
        ticket = response.json()["scan_ticket"]
        ttl = await runtime.redis.ttl(keys.scan_ticket(aid, ticket_hash(ticket)))
        assert LIFETIME - 5 <= ttl <= LIFETIME
        expires_at = response.json()["expires_at"]
        clock.advance(LIFETIME + 1)
        assert clock.now().isoformat() > expires_at.replace("Z", "+00:00")
        student = await quick_user("student")
        assert outcome(await check_in_by_ticket(api, student, aid, ticket))[2] == "code_invalid"


class TestTheTicketCannotBeUsedToCheat:
    async def test_single_use(
        self, api: httpx.AsyncClient, quick_user: QuickUser, coded: dict[str, Any]
    ) -> None:
        aid = coded["aid"]
        ticket = await ticket_of(api, aid, coded["code"])
        first, friend = await quick_user("student"), await quick_user("student")
        assert outcome(await check_in_by_ticket(api, first, aid, ticket))[1] == "present"
        assert outcome(await check_in_by_ticket(api, friend, aid, ticket)) == (
            201,
            "rejected",
            "code_invalid",
        )
        again = await check_in_by_ticket(api, first, aid, ticket)
        assert outcome(again) == (200, "present", None), "a retry still gets the record"

    async def test_another_device_burns_it(
        self, api: httpx.AsyncClient, quick_user: QuickUser, coded: dict[str, Any]
    ) -> None:
        aid = coded["aid"]
        ticket = await ticket_of(api, aid, coded["code"])
        student = await quick_user("student")
        stolen = await check_in_by_ticket(api, student, aid, ticket, OTHER_PHONE)
        assert outcome(stolen)[2] == "code_invalid"
        assert outcome(await check_in_by_ticket(api, student, aid, ticket))[2] == "code_invalid"

    async def test_only_for_the_attendance_of_the_scan(
        self,
        api: httpx.AsyncClient,
        quick_user: QuickUser,
        coded: dict[str, Any],
    ) -> None:
        other_teacher = await quick_user("teacher")
        other = (await start_checked(api, other_teacher, {"code": True}))["attendance_id"]
        ticket = await ticket_of(api, coded["aid"], coded["code"])
        student = await quick_user("student")
        assert outcome(await check_in_by_ticket(api, student, other, ticket))[2] == "code_invalid"

    async def test_forged_and_malformed_tickets(
        self, api: httpx.AsyncClient, quick_user: QuickUser, coded: dict[str, Any]
    ) -> None:
        aid, student = coded["aid"], await quick_user("student")
        forged = await check_in_by_ticket(api, student, aid, "A" * 43)
        assert outcome(forged) == (201, "rejected", "code_invalid")
        for malformed in ("short", "A" * 44, "+" * 43):
            response = await check_in_by_ticket(api, student, aid, malformed)
            assert (response.status_code, error_code(response)) == (422, "invalid_input")

    async def test_a_wrong_code_in_the_scan_fails_and_counts_as_a_wrong_code(
        self, api: httpx.AsyncClient, runtime: Runtime, quick_user: QuickUser, coded: dict[str, Any]
    ) -> None:
        aid, student = coded["aid"], await quick_user("student")
        ticket = await ticket_of(api, aid, wrong(coded["code"]))
        assert outcome(await check_in_by_ticket(api, student, aid, ticket))[2] == "code_invalid"
        counters = [key async for key in runtime.redis.scan_iter("attn:rl:checkin_code_wrong:*")]
        assert len(counters) == 1

    async def test_not_with_a_code_beside_it(
        self, api: httpx.AsyncClient, quick_user: QuickUser, coded: dict[str, Any]
    ) -> None:
        aid, student = coded["aid"], await quick_user("student")
        ticket = await ticket_of(api, aid, coded["code"])
        headers = {**student.headers, "X-Device-Id": PHONE}
        body = {"scan_ticket": ticket, "code": coded["code"]}
        response = await api.post(url(aid, "check-in"), json=body, headers=headers)
        assert (response.status_code, error_code(response)) == (422, "invalid_input")

    async def test_in_a_multipart_check_in(
        self, api: httpx.AsyncClient, quick_user: QuickUser, coded: dict[str, Any]
    ) -> None:
        aid, student = coded["aid"], await quick_user("student")
        ticket = await ticket_of(api, aid, coded["code"])
        headers = {**student.headers, "X-Device-Id": PHONE}
        files = {"scan_ticket": (None, ticket)}
        response = await api.post(url(aid, "check-in"), files=files, headers=headers)
        assert outcome(response) == (201, "present", None), response.text


class TestTheScanRefuses:
    async def test_without_a_device_id_or_with_a_malformed_code(
        self, api: httpx.AsyncClient, coded: dict[str, Any]
    ) -> None:
        aid = coded["aid"]
        no_device = await scan(api, aid, coded["code"], device=None)
        assert (no_device.status_code, error_code(no_device)) == (422, "device_id_required")
        bad_device = await scan(api, aid, coded["code"], device="no spaces allowed")
        assert error_code(bad_device) == "device_id_invalid"
        for code in ("", "12345", "ABCDEFG", "x" * 33):
            response = await scan(api, aid, code)
            assert (response.status_code, error_code(response)) == (422, "invalid_input"), code

    async def test_attendances_that_take_no_code(
        self, api: httpx.AsyncClient, runtime: Runtime, quick_user: QuickUser, coded: dict[str, Any]
    ) -> None:
        teacher = await quick_user("teacher")
        plain = (await start_checked(api, teacher, {}))["attendance_id"]
        assert error_code(await scan(api, plain, coded["code"])) == "code_not_enabled"
        await api.post(url(coded["aid"], "finish"), headers=coded["teacher"].headers)
        finished = await scan(api, coded["aid"], coded["code"])
        assert (finished.status_code, error_code(finished)) == (409, "attendance_finished")
        await persist(runtime)
        assert error_code(await scan(api, coded["aid"], coded["code"])) == "attendance_finished"
        unknown = await scan(api, "00000000-0000-4000-8000-000000000000", coded["code"])
        assert (unknown.status_code, error_code(unknown)) == (404, "attendance_not_found")
        assert (await scan(api, "not-a-uuid", coded["code"])).status_code == 422


class TestScanLimit:
    @pytest.fixture
    def app_settings(self, app_settings: Settings) -> Settings:
        return app_settings.model_copy(update={"rate_limit_per_address_per_minute": 2})

    async def test_scans_per_address_are_limited(
        self, api: httpx.AsyncClient, coded: dict[str, Any]
    ) -> None:
        for _ in range(2):
            assert (await scan(api, coded["aid"], coded["code"])).status_code == 201
        limited = await scan(api, coded["aid"], coded["code"])
        assert (limited.status_code, error_code(limited)) == (429, "rate_limited")
        assert int(limited.headers["Retry-After"]) >= 1


async def test_a_ticket_costs_one_round_trip_more_than_the_code(
    api: httpx.AsyncClient,
    quick_user: QuickUser,
    coded: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    aid = coded["aid"]
    warm = await quick_user("student")
    await check_in(api, warm, aid, code=coded["code"])
    typist, scanner = await quick_user("student"), await quick_user("student")
    with counted_round_trips(monkeypatch) as by_code:
        assert outcome(await check_in(api, typist, aid, code=coded["code"]))[1] == "present"
    ticket = await ticket_of(api, aid, coded["code"])
    with counted_round_trips(monkeypatch) as by_ticket:
        assert outcome(await check_in_by_ticket(api, scanner, aid, ticket))[1] == "present"
    assert by_ticket[0] == by_code[0] + 1


async def test_documented(api: httpx.AsyncClient) -> None:
    document = (await api.get("/openapi.json")).json()
    operation = document["paths"]["/api/v1/attendances/{attendance_id}/scan"]["post"]
    assert [p["name"] for p in operation["parameters"] if p["in"] == "header"] == ["X-Device-Id"]
    assert "security" not in operation, "no login: the page scans before the student logs in"
    assert {"201", "404", "409", "422", "429"} <= set(operation["responses"])
    check_in_op = document["paths"]["/api/v1/attendances/{attendance_id}/check-in"]["post"]
    content = check_in_op["requestBody"]["content"]
    assert "scan_ticket" in content["application/json"]["schema"]["properties"]
    assert "scan_ticket" in content["multipart/form-data"]["schema"]["properties"]
