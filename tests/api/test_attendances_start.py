"""Starting attendances: the window rules, one live attendance per teacher (also under
concurrency), the active list."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest

from attn.config import Settings
from attn.db import keys
from attn.models.types import utcnow
from attn.runtime import Runtime
from tests.fixtures.app import MakeUser, error_code
from tests.helpers.attendance_api import BASE, LESSON, audit_of, iso, start, url


class TestStart:
    async def test_with_duration_is_open_live_and_due_at_its_end(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher", name="Prof. Dr. Ayşe Yılmaz")
        before = utcnow()
        body = await start(api, teacher, duration_minutes=45)
        aid = body["attendance_id"]
        assert UUID(aid).version == 4
        assert body["lesson_name"] == LESSON
        assert body["teacher_number"] == teacher.user_number
        assert body["teacher_full_name"] == "Prof. Dr. Ayşe Yılmaz"
        assert (body["state"], body["source"], body["finished_at"]) == ("open", "live", None)
        lesson = await runtime.redis_client.get_lesson(aid)
        assert lesson is not None
        assert before <= lesson.starts_at <= utcnow()
        assert lesson.ends_at - lesson.starts_at == timedelta(minutes=45)
        score = await runtime.redis.zscore(keys.due(), aid)
        assert score == pytest.approx(lesson.ends_at.timestamp())

    async def test_explicit_window_in_the_future_is_scheduled(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher")
        starts_at = utcnow() + timedelta(hours=2)
        ends_at = starts_at + timedelta(minutes=50)
        body = await start(api, teacher, starts_at=iso(starts_at), ends_at=iso(ends_at))
        assert body["state"] == "scheduled"
        assert (body["starts_at"], body["ends_at"]) == (iso(starts_at), iso(ends_at))

    async def test_late_threshold_and_checks_are_stored(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher")
        checks = {"code": True, "network": True, "allowed_networks": ["10.1.0.0/16"]}
        body = await start(api, teacher, late_after_minutes=15, checks=checks)
        lesson = await runtime.redis_client.get_lesson(body["attendance_id"])
        assert lesson is not None
        assert lesson.late_after_minutes == 15
        assert (lesson.checks.code, lesson.checks.network) == (True, True)
        assert lesson.checks.allowed_networks == ["10.1.0.0/16"]
        assert body["checks"]["allowed_networks"] == ["10.1.0.0/16"]

    async def test_start_is_audited(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher")
        body = await start(api, teacher)
        entries = await audit_of(runtime, body["attendance_id"])
        assert [(e.actor, e.action) for e in entries] == [
            (teacher.user_number, "attendance_started")
        ]


def _now_plus(minutes: float) -> str:
    return iso(utcnow() + timedelta(minutes=minutes))


INVALID_BODIES: list[tuple[str, Any, set[str]]] = [
    ("missing lesson_name", {"duration_minutes": 60}, {"invalid_input"}),
    ("empty lesson_name", {"lesson_name": "", "duration_minutes": 60}, {"invalid_input"}),
    ("blank lesson_name", {"lesson_name": "   ", "duration_minutes": 60}, {"invalid_input"}),
    ("long lesson_name", {"lesson_name": "x" * 201, "duration_minutes": 60}, {"invalid_input"}),
    ("number lesson_name", {"lesson_name": 123, "duration_minutes": 60}, {"invalid_input"}),
    ("no end", {"lesson_name": LESSON}, {"invalid_input"}),
    (
        "two ends",
        {"lesson_name": LESSON, "duration_minutes": 60, "ends_at": "2099-01-01T10:00:00Z"},
        {"invalid_input"},
    ),
    ("zero duration", {"lesson_name": LESSON, "duration_minutes": 0}, {"invalid_input"}),
    ("negative duration", {"lesson_name": LESSON, "duration_minutes": -5}, {"invalid_input"}),
    ("string duration", {"lesson_name": LESSON, "duration_minutes": "60"}, {"invalid_input"}),
    ("bool duration", {"lesson_name": LESSON, "duration_minutes": True}, {"invalid_input"}),
    ("float duration", {"lesson_name": LESSON, "duration_minutes": 1.5}, {"invalid_input"}),
    ("duration over max", {"lesson_name": LESSON, "duration_minutes": 721}, {"invalid_window"}),
    ("huge duration", {"lesson_name": LESSON, "duration_minutes": 10**30}, {"invalid_input"}),
    (
        "negative late",
        {"lesson_name": LESSON, "duration_minutes": 60, "late_after_minutes": -1},
        {"invalid_input"},
    ),
    (
        "late over a day",
        {"lesson_name": LESSON, "duration_minutes": 60, "late_after_minutes": 1441},
        {"invalid_input"},
    ),
    (
        "unknown field",
        {"lesson_name": LESSON, "duration_minutes": 60, "duration": 5},
        {"invalid_input"},
    ),
    (
        "bad cidr",
        {"lesson_name": LESSON, "duration_minutes": 60, "checks": {"allowed_networks": ["x"]}},
        {"invalid_input"},
    ),
    (
        "naive ends_at",
        {"lesson_name": LESSON, "ends_at": "2099-01-01T10:00:00"},
        {"invalid_input"},
    ),
    (
        "garbage ends_at",
        {"lesson_name": LESSON, "ends_at": "tomorrow"},
        {"invalid_input"},
    ),
    ("list body", [{"lesson_name": LESSON}], {"invalid_input"}),
    (
        "start before year 1 in UTC",
        {"lesson_name": LESSON, "starts_at": "0001-01-01T00:01:00+03:00", "duration_minutes": 60},
        {"invalid_input"},
    ),
    (
        "end after year 9999 in UTC",
        {"lesson_name": LESSON, "ends_at": "9999-12-31T23:00:00-03:00"},
        {"invalid_input"},
    ),
    (
        "duration past year 9999",
        {"lesson_name": LESSON, "starts_at": "9999-12-31T23:00:00Z", "duration_minutes": 600},
        {"invalid_window"},
    ),
]


class TestStartValidation:
    @pytest.mark.parametrize(
        ("body", "codes"),
        [pytest.param(body, codes, id=name) for name, body, codes in INVALID_BODIES],
    )
    async def test_invalid_body_is_422(
        self, api: httpx.AsyncClient, make_user: MakeUser, body: Any, codes: set[str]
    ) -> None:
        teacher = await make_user("teacher")
        response = await api.post(BASE, json=body, headers=teacher.headers)
        assert response.status_code == 422, response.text
        assert error_code(response) in codes

    @pytest.mark.parametrize(
        ("window", "field"),
        [
            pytest.param({"starts_at": 30, "ends_at": 10}, None, id="end-before-start"),
            pytest.param({"starts_at": 10, "ends_at": 10}, None, id="end-equals-start"),
            pytest.param({"ends_at": -5}, "ends_at", id="end-in-the-past"),
            pytest.param({"starts_at": -120, "ends_at": -60}, "ends_at", id="all-in-the-past"),
            pytest.param({"starts_at": 0, "ends_at": 12 * 60 + 1}, "ends_at", id="over-max"),
            pytest.param(
                {"starts_at": 15 * 24 * 60, "ends_at": 15 * 24 * 60 + 60},
                "starts_at",
                id="too-far-ahead",
            ),
        ],
    )
    async def test_absurd_windows_are_422(
        self,
        api: httpx.AsyncClient,
        make_user: MakeUser,
        window: dict[str, int],
        field: str | None,
    ) -> None:
        teacher = await make_user("teacher")
        now = utcnow()
        times = {key: iso(now + timedelta(minutes=value)) for key, value in window.items()}
        body = {"lesson_name": LESSON, **times}
        response = await api.post(BASE, json=body, headers=teacher.headers)
        assert response.status_code == 422, response.text
        if field is not None:
            assert error_code(response) == "invalid_window"
            assert response.json()["error"]["details"] == {"field": field}

    async def test_malformed_json_is_422(self, api: httpx.AsyncClient, make_user: MakeUser) -> None:
        teacher = await make_user("teacher")
        headers = {**teacher.headers, "Content-Type": "application/json"}
        response = await api.post(BASE, content=b'{"lesson_name": ', headers=headers)
        assert response.status_code == 422
        assert error_code(response) == "invalid_input"

    async def test_nothing_is_created_by_a_refused_start(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher")
        body = {"lesson_name": LESSON, "duration_minutes": 100_000}
        assert (await api.post(BASE, json=body, headers=teacher.headers)).status_code == 422
        assert await runtime.redis_client.teacher_lessons(teacher.user_number) == []


class TestOneLiveAttendance:
    async def test_second_start_is_409_naming_the_live_one(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher")
        first = await start(api, teacher)
        response = await api.post(
            BASE, json={"lesson_name": "Other", "duration_minutes": 30}, headers=teacher.headers
        )
        assert response.status_code == 409
        assert error_code(response) == "live_attendance_exists"
        assert response.json()["error"]["details"] == {"attendance_id": first["attendance_id"]}

    async def test_concurrent_starts_create_exactly_one(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, warm_up = await make_user("teacher"), await make_user("teacher")
        # Warm up: scripts loaded and enough pooled connections, so the racing requests
        # really interleave (otherwise the first one finishes while the others connect).
        await start(api, warm_up)
        await asyncio.gather(
            *(api.get(f"{BASE}/active", headers=warm_up.headers) for _ in range(12))
        )
        body = {"lesson_name": LESSON, "duration_minutes": 60}
        responses = await asyncio.gather(
            *(api.post(BASE, json=body, headers=teacher.headers) for _ in range(6))
        )
        statuses = sorted(response.status_code for response in responses)
        assert statuses == [201, 409, 409, 409, 409, 409]
        assert {error_code(r) for r in responses if r.status_code == 409} == {
            "live_attendance_exists"
        }
        assert len(await runtime.redis_client.teacher_lessons(teacher.user_number)) == 1
        assert not await runtime.redis.exists(keys.teacher_start_lock(teacher.user_number))

    async def test_a_new_one_after_finishing(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher")
        first = await start(api, teacher)
        finished = await api.post(url(first["attendance_id"], "finish"), headers=teacher.headers)
        assert finished.status_code == 200
        second = await start(api, teacher)
        assert second["attendance_id"] != first["attendance_id"]

    async def test_non_overlapping_schedule_is_allowed(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher")
        await start(api, teacher, duration_minutes=60)
        later = await start(api, teacher, starts_at=_now_plus(24 * 60), duration_minutes=60)
        assert later["state"] == "scheduled"
        overlapping = await api.post(
            BASE,
            json={
                "lesson_name": LESSON,
                "starts_at": _now_plus(24 * 60 + 30),
                "ends_at": _now_plus(24 * 60 + 90),
            },
            headers=teacher.headers,
        )
        assert overlapping.status_code == 409

    async def test_other_teachers_are_independent(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        first, second = await make_user("teacher"), await make_user("teacher")
        await start(api, first)
        await start(api, second)


class TestSeveralLiveAttendancesAllowed:
    @pytest.fixture
    def app_settings(self, app_settings: Settings) -> Settings:
        return app_settings.model_copy(update={"one_live_attendance_per_teacher": False})

    async def test_concurrent_starts_all_succeed(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher")
        body = {"lesson_name": LESSON, "duration_minutes": 60}
        responses = await asyncio.gather(
            *(api.post(BASE, json=body, headers=teacher.headers) for _ in range(3))
        )
        assert [r.status_code for r in responses] == [201, 201, 201]
        assert len(await runtime.redis_client.teacher_lessons(teacher.user_number)) == 3


class TestActive:
    async def test_teacher_sees_own_scheduled_and_open_admin_sees_all(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        teacher, other = await make_user("teacher"), await make_user("teacher")
        admin = await make_user("admin")
        done = await start(api, teacher)
        await api.post(url(done["attendance_id"], "finish"), headers=teacher.headers)
        open_one = await start(api, teacher)
        scheduled = await start(api, teacher, starts_at=_now_plus(600), duration_minutes=30)
        others = await start(api, other)

        mine = await api.get(f"{BASE}/active", headers=teacher.headers)
        assert mine.status_code == 200
        assert [(a["attendance_id"], a["state"]) for a in mine.json()] == [
            (open_one["attendance_id"], "open"),
            (scheduled["attendance_id"], "scheduled"),
        ]
        everyone = await api.get(f"{BASE}/active", headers=admin.headers)
        assert {a["attendance_id"] for a in everyone.json()} == {
            open_one["attendance_id"],
            scheduled["attendance_id"],
            others["attendance_id"],
        }


class TestDefaultChecks:
    @pytest.fixture
    def app_settings(self, app_settings: Settings) -> Settings:
        return app_settings.model_copy(update={"default_checks": ["code", "device"]})

    async def test_server_defaults_apply_unless_the_teacher_chooses(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        first, second = await make_user("teacher"), await make_user("teacher")
        defaulted = (await start(api, first))["checks"]
        assert (defaulted["code"], defaulted["device"], defaulted["network"]) == (True, True, False)
        chosen = (await start(api, second, checks={"network": True}))["checks"]
        assert (chosen["code"], chosen["device"], chosen["network"]) == (False, False, True)


class TestShippedDefaultChecks:
    """Without ATTN_DEFAULT_CHECKS an attendance started without ``checks`` asks for the
    rotating code: an empty check-in from anywhere must not count."""

    @pytest.fixture
    def app_settings(self, app_settings: Settings) -> Settings:
        shipped = Settings.model_fields["default_checks"].get_default(call_default_factory=True)
        return app_settings.model_copy(update={"default_checks": shipped})

    async def test_the_code_is_on_and_a_bare_check_in_is_rejected(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        teacher, student = await make_user("teacher"), await make_user("student")
        started = await start(api, teacher)
        assert started["checks"]["code"] is True
        assert not any(started["checks"][name] for name in ("network", "device", "face"))
        bare = await api.post(url(started["attendance_id"], "check-in"), headers=student.headers)
        assert bare.status_code == 201, bare.text
        assert (bare.json()["status"], bare.json()["fail_reason"]) == ("rejected", "code_invalid")

    async def test_an_empty_checks_object_asks_for_none(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        teacher, student = await make_user("teacher"), await make_user("student")
        started = await start(api, teacher, checks={})
        assert not any(started["checks"][name] for name in ("code", "network", "device", "face"))
        bare = await api.post(url(started["attendance_id"], "check-in"), headers=student.headers)
        assert bare.json()["status"] == "present", bare.text
