"""The student's side: search, check-in (idempotent, late, rate-limited), own records."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from attn.config import Settings
from attn.db import keys
from attn.models import RecordStatus, Role
from attn.models.types import utcnow
from attn.runtime import Runtime
from tests.fixtures.app import Account, MakeUser, error_code
from tests.helpers.attendance_api import (
    BASE,
    arrange_lesson,
    check_in,
    minutes_ago,
    persist,
    quick_session,
    start,
    start_and_persist,
    url,
)
from tests.helpers.rate_limits import away_from_window_edge

SEARCH = f"{BASE}/search"


class TestSearch:
    async def test_forgiving_match_several_results_no_records(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        ayse = await make_user("teacher", name="Prof. Dr. Ayşe Yılmaz")
        colleague = await make_user("teacher", name="Dr. Ayşe Yıldız")
        student = await make_user("student")
        first = await start(api, ayse, lesson_name="Veri Yapıları")
        second = await start(api, colleague, lesson_name="Veri Yapıları Lab")
        response = await api.get(
            SEARCH,
            params={"teacher_name": "AYŞE", "lesson_name": "veri   YAPILARI"},
            headers=student.headers,
        )
        assert response.status_code == 200
        found = response.json()
        assert {item["attendance_id"] for item in found} == {
            first["attendance_id"],
            second["attendance_id"],
        }
        assert set(found[0]) == {
            "attendance_id",
            "lesson_name",
            "teacher_full_name",
            "starts_at",
            "ends_at",
        }
        exact = await api.get(
            SEARCH,
            params={"teacher_name": "prof. dr.  AYŞE YILMAZ", "lesson_name": "veri yapıları"},
            headers=student.headers,
        )
        assert [item["attendance_id"] for item in exact.json()] == [first["attendance_id"]]

    async def test_only_open_attendances(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teachers = [await make_user("teacher", name=f"Hoca {n}") for n in range(4)]
        student = await make_user("student")
        open_one = await start(api, teachers[0])
        await start(api, teachers[1], starts_at=(utcnow() + timedelta(hours=1)).isoformat())
        finished = await start(api, teachers[2])
        await api.post(url(finished["attendance_id"], "finish"), headers=teachers[2].headers)
        await arrange_lesson(
            runtime, teachers[3], starts_at=minutes_ago(90), ends_at=minutes_ago(30)
        )
        response = await api.get(SEARCH, params={"teacher_name": "hoca"}, headers=student.headers)
        assert [item["attendance_id"] for item in response.json()] == [open_one["attendance_id"]]

    @pytest.mark.parametrize(
        "params",
        [{}, {"teacher_name": "  ", "lesson_name": ""}, {"lesson_name": "x" * 201}],
    )
    async def test_a_query_is_required(
        self, api: httpx.AsyncClient, make_user: MakeUser, params: dict[str, str]
    ) -> None:
        student = await make_user("student")
        response = await api.get(SEARCH, params=params, headers=student.headers)
        assert response.status_code == 422
        assert error_code(response) in {"search_query_required", "invalid_input"}


class TestCheckIn:
    async def test_first_is_201_repeat_is_200_with_the_same_record(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher")
        student = await make_user("student", name="Çağla Öztürk")
        aid = (await start(api, teacher))["attendance_id"]
        first = await check_in(api, student, aid)
        assert first.status_code == 201, first.text
        record = first.json()
        assert (record["student_number"], record["user_full_name"]) == (
            student.user_number,
            "Çağla Öztürk",
        )
        assert (record["status"], record["decided_by"], record["client_ip"]) == (
            "present",
            "self",
            "127.0.0.1",
        )
        again = await check_in(api, student, aid)
        assert again.status_code == 200
        assert again.json() == record
        assert await runtime.redis.hlen(keys.records(aid)) == 1

    async def test_concurrent_taps_leave_one_record(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, student = await make_user("teacher"), await make_user("student")
        aid = (await start(api, teacher))["attendance_id"]
        responses = await asyncio.gather(*(check_in(api, student, aid) for _ in range(5)))
        assert sorted(r.status_code for r in responses) == [200, 200, 200, 200, 201]
        assert len({r.json()["checked_in_at"] for r in responses}) == 1
        assert await runtime.redis.hlen(keys.records(aid)) == 1

    @pytest.mark.parametrize(
        ("started_minutes_ago", "late_after", "status"),
        [
            (20, 10, "late"),
            (5, 10, "present"),
            (20, None, "present"),
            (1, 0, "late"),
        ],
    )
    async def test_late_by_the_threshold(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        make_user: MakeUser,
        started_minutes_ago: int,
        late_after: int | None,
        status: str,
    ) -> None:
        teacher, student = await make_user("teacher"), await make_user("student")
        body = {
            "starts_at": minutes_ago(started_minutes_ago).isoformat(),
            "late_after_minutes": late_after,
        }
        aid = (await start(api, teacher, **body))["attendance_id"]
        response = await check_in(api, student, aid)
        assert response.status_code == 201
        assert response.json()["status"] == status

    async def test_forwarded_for_is_ignored_without_trusted_proxies(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        teacher, student = await make_user("teacher"), await make_user("student")
        aid = (await start(api, teacher))["attendance_id"]
        response = await api.post(
            url(aid, "check-in"), headers={**student.headers, "X-Forwarded-For": "203.0.113.9"}
        )
        assert response.json()["client_ip"] == "127.0.0.1"

    async def test_a_teacher_decision_is_never_overridden(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, student = await make_user("teacher"), await make_user("student")
        aid = (await start(api, teacher))["attendance_id"]
        await api.put(
            url(aid, "records", student.user_number),
            json={"status": "absent", "full_name": student.full_name},
            headers=teacher.headers,
        )
        response = await check_in(api, student, aid)
        assert response.status_code == 200
        assert (response.json()["status"], response.json()["decided_by"]) == (
            "absent",
            teacher.user_number,
        )
        stored = await runtime.redis_client.get_attendance_record(aid, student.user_number)
        assert stored is not None
        assert stored.status is RecordStatus.ABSENT


class TestRateLimits:
    @pytest.fixture
    def app_settings(self, app_settings: Settings) -> Settings:
        return app_settings.model_copy(
            update={"rate_limit_checkin_per_minute": 2, "rate_limit_per_address_per_minute": 5}
        )

    async def test_per_user(self, api: httpx.AsyncClient, make_user: MakeUser) -> None:
        teacher, student = await make_user("teacher"), await make_user("student")
        aid = (await start(api, teacher))["attendance_id"]
        assert [(await check_in(api, student, aid)).status_code for _ in range(2)] == [201, 200]
        refused = await check_in(api, student, aid)
        assert refused.status_code == 429
        assert error_code(refused) == "rate_limited"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        other = await make_user("student")
        assert (await check_in(api, other, aid)).status_code == 201

    async def test_the_address_limit_leaves_logged_in_students_alone(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        """A lecture hall behind one NAT address: students with valid sessions are limited
        per student only, however many check in from the address."""
        teacher = await make_user("teacher")
        aid = (await start(api, teacher))["attendance_id"]
        students = [
            await quick_session(runtime, f"S{n}", f"Öğrenci {n}", Role.STUDENT) for n in range(8)
        ]
        statuses = [(await check_in(api, s, aid)).status_code for s in students]
        assert statuses == [201] * 8

    async def test_forged_tokens_from_one_address_are_stopped(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        """Tokens that match no session count against their address (5 here): past it they
        get 429, while a real student behind the same address still checks in."""
        teacher = await make_user("teacher")
        aid = (await start(api, teacher))["attendance_id"]
        await away_from_window_edge()
        forged = [Account(f"S{n}", "x", Role.STUDENT, "", f"S{n}.{'A' * 43}") for n in range(7)]
        statuses = [(await check_in(api, account, aid)).status_code for account in forged]
        assert statuses == [401] * 5 + [429] * 2
        student = await quick_session(runtime, "S1", "Öğrenci 1", Role.STUDENT)
        assert (await check_in(api, student, aid)).status_code == 201


class TestLectureHallBehindOneAddress:
    """Default limits: 2,000 students behind one address, each tapping check-in twice."""

    async def test_no_honest_check_in_is_refused(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher")
        aid = (await start(api, teacher))["attendance_id"]
        students = [
            await quick_session(runtime, f"H{n:04d}", f"Öğrenci {n}", Role.STUDENT)
            for n in range(2000)
        ]
        await away_from_window_edge()
        statuses: list[int] = []
        for _tap in range(2):
            for start_at in range(0, len(students), 100):
                batch = students[start_at : start_at + 100]
                responses = await asyncio.gather(*(check_in(api, s, aid) for s in batch))
                statuses += [response.status_code for response in responses]
        assert statuses.count(429) == 0
        assert (statuses.count(201), statuses.count(200)) == (2000, 2000)


class TestOwnRecords:
    async def test_own_record_live_and_archived(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher")
        student, absent = await make_user("student"), await make_user("student")
        aid = (await start(api, teacher))["attendance_id"]
        before = await api.get(url(aid, "records", "me"), headers=student.headers)
        assert (before.status_code, error_code(before)) == (404, "record_not_found")
        record = (await check_in(api, student, aid)).json()
        live = await api.get(url(aid, "records", "me"), headers=student.headers)
        assert live.json() == record
        await api.post(url(aid, "finish"), headers=teacher.headers)
        await persist(runtime)
        stored = await api.get(url(aid, "records", "me"), headers=student.headers)
        assert stored.status_code == 200
        assert stored.json() == record
        missing = await api.get(url(aid, "records", "me"), headers=absent.headers)
        assert (missing.status_code, error_code(missing)) == (404, "record_not_found")

    async def test_my_attendance_lists_live_and_archived_paginated(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, other_teacher = await make_user("teacher"), await make_user("teacher")
        student, classmate = await make_user("student"), await make_user("student")
        stored = [await start_and_persist(api, runtime, teacher, [student]) for _ in range(2)]
        await start_and_persist(api, runtime, teacher, [classmate])
        live = (await start(api, other_teacher))["attendance_id"]
        await check_in(api, student, live)
        body = (await api.get("/api/v1/me/attendance", headers=student.headers)).json()
        assert body["total"] == 3
        assert [item["attendance"]["attendance_id"] for item in body["items"]] == [
            live,
            *reversed(stored),
        ]
        assert [item["attendance"]["source"] for item in body["items"]] == [
            "live",
            "archive",
            "archive",
        ]
        assert {item["record"]["student_number"] for item in body["items"]} == {student.user_number}
        second = await api.get(
            "/api/v1/me/attendance", params={"limit": 1, "offset": 1}, headers=student.headers
        )
        assert [i["attendance"]["attendance_id"] for i in second.json()["items"]] == [stored[1]]
        bad = await api.get("/api/v1/me/attendance", params={"limit": 0}, headers=student.headers)
        assert bad.status_code == 422
