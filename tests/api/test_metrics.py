"""Each metric of ``GET /metrics`` moves as the service works (docs/operations.md#what-they-say):
requests per route template, logins and check-ins by outcome, live channels, the
persistence backlog read from Redis, and whether Redis and the database answer."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from attn.app import create_app
from attn.config import Settings
from attn.models.types import utcnow
from attn.runtime import Runtime
from tests.fixtures.app import DEFAULT_PASSWORD, MakeUser
from tests.helpers.attendance_api import arrange_lesson, check_in, persist, start, url
from tests.helpers.auth_api import login
from tests.helpers.checkin_api import check_in as check_in_with
from tests.helpers.checkin_api import current_code, start_checked, wrong
from tests.helpers.metrics import Samples, parse, scrape, value

CHECK_IN = "/api/v1/attendances/{attendance_id}/check-in"
EVENTS = "/api/v1/attendances/{attendance_id}/events"


def delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


class TestRequests:
    async def test_counted_and_timed_by_route_template_not_by_path(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher")
        attendance = await start(api, teacher)
        aid = str(attendance["attendance_id"])
        students = [await make_user("student") for _ in range(2)]
        before = await scrape(api)
        for student in students:
            assert (await check_in(api, student, aid)).status_code == 201
        assert (await check_in(api, students[0], aid)).status_code == 200  # again: kept
        response = await api.get("/metrics")
        after = parse(response.text)
        route = {"method": "POST", "route": CHECK_IN}
        assert delta(before, after, "attn_http_requests_total", **route, status="201") == 2
        assert delta(before, after, "attn_http_requests_total", **route, status="200") == 1
        assert delta(before, after, "attn_http_request_duration_seconds_count", **route) == 3
        assert delta(before, after, "attn_http_request_duration_seconds_sum", **route) > 0
        assert aid not in response.text  # no id ever becomes a label
        assert students[0].user_number not in response.text

    async def test_unknown_paths_and_made_up_methods_do_not_grow_the_labels(
        self, api: httpx.AsyncClient
    ) -> None:
        before = await scrape(api)
        for n in range(3):
            assert (await api.get(f"/api/v1/nothing-{n}")).status_code == 404
        await api.request("BREW", "/health")
        await api.request("BREW2", "/health")
        response = await api.get("/metrics")
        after = parse(response.text)
        unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
        assert delta(before, after, "attn_http_requests_total", **unmatched) == 3
        other = {"method": "OTHER", "route": "/health", "status": "405"}
        assert delta(before, after, "attn_http_requests_total", **other) == 2
        assert "nothing-" not in response.text
        assert "BREW" not in response.text

    async def test_errors_are_counted_by_status(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        student = await make_user("student")
        before = await scrape(api)
        missing = "00000000-0000-4000-8000-000000000000"
        assert (await check_in(api, student, missing)).status_code == 404
        assert (await api.post(url(missing, "check-in"))).status_code == 401
        after = await scrape(api)
        route = {"method": "POST", "route": CHECK_IN}
        assert delta(before, after, "attn_http_requests_total", **route, status="404") == 1
        assert delta(before, after, "attn_http_requests_total", **route, status="401") == 1


class TestLogins:
    async def test_by_outcome_and_a_refusal_names_the_user_tried(
        self, api: httpx.AsyncClient, make_user: MakeUser, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger="attn.services.accounts.auth")
        student = await make_user("student", login=False)
        before = await scrape(api)
        assert (await login(api, student.user_number)).status_code == 200
        wrong_password = "not the password at all"
        for _ in range(10):  # the per-user-and-address limit: 10 a minute
            refused = await login(api, student.user_number, wrong_password)
            assert refused.status_code == 401
        assert (await login(api, student.user_number, wrong_password)).status_code == 429
        assert (await login(api, "NOBODY1", wrong_password)).status_code == 401
        after = await scrape(api)
        assert delta(before, after, "attn_logins_total", outcome="success") == 1
        assert delta(before, after, "attn_logins_total", outcome="invalid_credentials") == 11
        assert delta(before, after, "attn_logins_total", outcome="rate_limited") == 1
        lines = [r.getMessage() for r in caplog.records if "login refused" in r.getMessage()]
        assert len(lines) == 12
        assert f"user={student.user_number} " in lines[0]
        assert "outcome=invalid_credentials" in lines[0]
        assert "outcome=rate_limited" in lines[10]
        assert "user=NOBODY1 " in lines[11]
        assert not any(wrong_password in r.getMessage() for r in caplog.records)
        assert not any(DEFAULT_PASSWORD in r.getMessage() for r in caplog.records)


class TestCheckIns:
    async def test_by_result_and_fail_reason_and_a_refusal_is_logged(
        self, api: httpx.AsyncClient, make_user: MakeUser, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger="attn.services.checkin.check_in")
        teacher = await make_user("teacher")
        attendance = await start_checked(api, teacher, {"code": True})
        aid = attendance["attendance_id"]
        code = await current_code(api, teacher, aid)
        first, second = await make_user("student"), await make_user("student")
        before = await scrape(api)
        assert (await check_in_with(api, first, aid, code=wrong(code))).status_code == 201
        assert (await check_in_with(api, first, aid, code=code)).status_code == 201  # replaced
        assert (await check_in_with(api, first, aid, code=code)).status_code == 200  # kept
        assert (await check_in_with(api, second, aid)).status_code == 201  # no code at all
        after = await scrape(api)

        def moved(result: str, reason: str = "none") -> float:
            return delta(before, after, "attn_checkins_total", result=result, fail_reason=reason)

        assert moved("rejected", "code_invalid") == 2
        assert moved("present") == 1
        assert moved("unchanged") == 1
        assert moved("late") == moved("pending") == 0
        every_reason = (
            "attn_checkins_total",
            (("fail_reason", "face_mismatch"), ("result", "rejected")),
        )
        assert every_reason in after  # exported from the start, at 0
        lines = [r.getMessage() for r in caplog.records if "check-in refused" in r.getMessage()]
        assert len(lines) == 2
        assert (
            f"attendance={aid} student={first.user_number} fail_reason=code_invalid" in (lines[0])
        )
        assert f"student={second.user_number} fail_reason=code_invalid" in lines[1]
        assert code not in " ".join(lines)


class TestLiveConnections:
    async def test_open_channels_are_a_gauge(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher")
        aid = str((await start(api, teacher))["attendance_id"])
        before = await scrape(api)
        listening = [
            asyncio.create_task(api.get(url(aid, "events"), headers=teacher.headers))
            for _ in range(2)
        ]
        for _ in range(500):
            if runtime.live_slots.taken == 2:
                break
            await asyncio.sleep(0.01)
        during = await scrape(api)
        assert delta(before, during, "attn_live_connections") == 2
        assert (await api.post(url(aid, "finish"), headers=teacher.headers)).status_code == 200
        answers = await asyncio.wait_for(asyncio.gather(*listening), 10)
        assert all(answer.status_code == 200 for answer in answers)
        after = await scrape(api)
        assert delta(before, after, "attn_live_connections") == 0
        streamed = {"method": "GET", "route": EVENTS}
        assert delta(before, after, "attn_http_requests_total", **streamed, status="200") == 2
        # a listener's "latency" is how long it listened: kept out of the histogram
        assert (
            "attn_http_request_duration_seconds_count",
            tuple(sorted(streamed.items())),
        ) not in (after)


class TestPersistenceBacklog:
    async def test_read_from_redis_at_each_scrape(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        """No process here runs the job (persist_enabled is off), yet the lag is known."""
        teacher = await make_user("teacher")
        empty = await scrape(api)
        assert value(empty, "attn_persistence_lag_seconds") == 0
        assert value(empty, "attn_persistence_due") == 0
        now = utcnow()
        for minutes in (10, 3):
            await arrange_lesson(
                runtime,
                teacher,
                starts_at=now - timedelta(minutes=60 + minutes),
                ends_at=now - timedelta(minutes=minutes),
            )
        waiting = await scrape(api)
        assert value(waiting, "attn_persistence_due") == 2
        assert 600 <= value(waiting, "attn_persistence_lag_seconds") < 660
        assert value(waiting, "attn_persistence_dead_letters") == 0
        summary = await persist(runtime)
        assert summary.attendances == 2
        done = await scrape(api)
        assert value(done, "attn_persistence_due") == 0
        assert value(done, "attn_persistence_lag_seconds") == 0

    async def test_dead_letters(self, api: httpx.AsyncClient, runtime: Runtime) -> None:
        await runtime.redis_client.dead_letter(
            "00000000-0000-4000-8000-000000000001", "bad", utcnow()
        )
        assert value(await scrape(api), "attn_persistence_dead_letters") == 1


class TestBackends:
    async def test_both_up(self, api: httpx.AsyncClient) -> None:
        samples = await scrape(api)
        assert value(samples, "attn_redis_up") == 1
        assert value(samples, "attn_database_up") == 1

    async def test_database_down(self, app_settings: Settings, tmp_path: Path) -> None:
        settings = Settings(
            **{**app_settings.model_dump(), "database_url": "postgresql://attn@127.0.0.1:9/attn"}
        )
        samples = await _scrape_app(settings)
        assert (value(samples, "attn_redis_up"), value(samples, "attn_database_up")) == (1, 0)
        assert ("attn_persistence_due", ()) in samples  # Redis still tells the backlog

    async def test_redis_down(self, app_settings: Settings) -> None:
        settings = Settings(**{**app_settings.model_dump(), "redis_url": "redis://127.0.0.1:9/0"})
        samples = await _scrape_app(settings)
        assert (value(samples, "attn_redis_up"), value(samples, "attn_database_up")) == (0, 1)
        assert ("attn_persistence_due", ()) not in samples  # unknown, not 0


async def _scrape_app(settings: Settings) -> Samples:
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await scrape(client)
