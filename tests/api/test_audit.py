"""GET /api/v1/audit: the audit log for admins, filtered and paged, on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from attn.config import Settings
from attn.db.sql import repository
from attn.models import Role
from attn.runtime import Runtime
from tests.fixtures.app import Account, MakeUser, error_code
from tests.helpers.databases import BOTH_DATABASES, on_database

AUDIT = "/api/v1/audit"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ADMIN_ACTIONS = ["sessions_ended", "user_updated", "user_created"]
THREE_HOURS = ["user_created", "accepted", "rejected"]
"""The entries from 10:00 (inclusive) to 13:00 (exclusive) UTC."""
LESSON = UUID("3f2b8c1e-5d4a-4e6b-9c7d-000000000001")


@pytest.fixture(params=BOTH_DATABASES)
def app_settings(request: pytest.FixtureRequest, app_settings: Settings) -> Settings:
    return on_database(request, app_settings)


@pytest.fixture
async def admin(make_user: MakeUser) -> Account:
    return await make_user(Role.ADMIN, number="A0001")


def hours(count: int) -> datetime:
    return T0 + timedelta(hours=count)


async def add_entries(runtime: Runtime, entries: list[dict[str, Any]]) -> None:
    async with runtime.sessionmaker() as session, session.begin():
        for entry in entries:
            await repository.add_audit(session, **{"details": {}, **entry})


async def read(api: httpx.AsyncClient, admin: Account, **params: Any) -> Any:
    response = await api.get(AUDIT, params=params, headers=admin.headers)
    assert response.status_code == 200, response.text
    return response.json()


def actions(page: Any) -> list[str]:
    return [item["action"] for item in page["items"]]


@pytest.fixture
async def log(runtime: Runtime) -> None:
    """Six entries an hour apart, oldest first: a teacher's decisions on one lesson,
    an admin's account changes, two at the very same instant."""
    await add_entries(
        runtime,
        [
            {"actor": "T1", "action": "started", "attendance_id": LESSON, "at": T0},
            {
                "actor": "T1",
                "action": "rejected",
                "attendance_id": LESSON,
                "student_number": "S1",
                "at": hours(1),
                "details": {"reason": "not in class"},
            },
            {"actor": "T2", "action": "accepted", "student_number": "S1", "at": hours(2)},
            {"actor": "A9", "action": "user_created", "at": hours(3)},
            {"actor": "A9", "action": "user_updated", "at": hours(4)},
            {"actor": "A9", "action": "sessions_ended", "at": hours(4)},
        ],
    )  # fmt: skip


class TestFilters:
    async def test_newest_first_with_every_field(
        self, api: httpx.AsyncClient, admin: Account, log: None
    ) -> None:
        page = await read(api, admin)
        assert actions(page) == [
            "sessions_ended",
            "user_updated",
            "user_created",
            "accepted",
            "rejected",
            "started",
        ]
        assert page["next"] is None
        rejected = page["items"][4]
        assert rejected["attendance_id"] == str(LESSON)
        assert (rejected["actor"], rejected["student_number"]) == ("T1", "S1")
        assert rejected["details"] == {"reason": "not in class"}
        assert rejected["at"] == "2026-12-01T10:00:00.000000Z"

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"actor": "T1"}, ["rejected", "started"]),
            ({"attendance_id": str(LESSON)}, ["rejected", "started"]),
            ({"student_number": "S1"}, ["accepted", "rejected"]),
            ({"student_number": "S1", "actor": "T2"}, ["accepted"]),
            ({"since": "2026-12-01T11:00:00Z"}, [*ADMIN_ACTIONS, "accepted"]),
            ({"until": "2026-12-01T10:00:00Z"}, ["started"]),
            ({"since": "2026-12-01T13:00+03:00", "until": "2026-12-01T13:00Z"}, THREE_HOURS),
            ({"actor": "nobody"}, []),
            ({"attendance_id": str(uuid4())}, []),
        ],
    )  # fmt: skip
    async def test_each_filter_narrows(
        self,
        api: httpx.AsyncClient,
        admin: Account,
        log: None,
        params: dict[str, str],
        expected: list[str],
    ) -> None:
        assert actions(await read(api, admin, **params)) == expected

    @pytest.mark.parametrize(
        "params",
        [
            {"since": "2026-12-01T10:00:00"},  # no time zone
            {"attendance_id": "not-a-uuid"},
            {"actor": "a b"},
            {"limit": 0},
            {"limit": 201},
            {"older_than": "yesterday"},
            {"older_than": "2026-12-01T10:00:00.000000Z_x"},
            {"older_than": "2026-12-01T10:00:00_5"},  # no time zone
            {"older_than": "2026-12-01T10:00:00.000000Z_" + "9" * 19},
        ],
    )
    async def test_bad_filters_are_422(
        self, api: httpx.AsyncClient, admin: Account, params: dict[str, Any]
    ) -> None:
        response = await api.get(AUDIT, params=params, headers=admin.headers)
        assert response.status_code == 422, response.text
        assert error_code(response) in {"invalid_input", "invalid_cursor"}


class TestPages:
    async def test_pages_follow_next_without_repeating_or_skipping(
        self, api: httpx.AsyncClient, admin: Account, log: None
    ) -> None:
        seen: list[str] = []
        cursor: str | None = None
        pages = 0
        while True:
            params: dict[str, Any] = {"limit": 2}
            if cursor:
                params["older_than"] = cursor
            page = await read(api, admin, **params)
            seen += actions(page)
            pages += 1
            cursor = page["next"]
            if cursor is None:
                break
        assert pages == 3
        assert seen == actions(await read(api, admin))

    async def test_an_entry_written_meanwhile_does_not_shift_the_next_page(
        self, api: httpx.AsyncClient, runtime: Runtime, admin: Account, log: None
    ) -> None:
        first = await read(api, admin, limit=3)
        await add_entries(
            runtime, [{"actor": "A9", "action": "newest", "at": T0 + timedelta(days=1)}]
        )
        second = await read(api, admin, limit=3, older_than=first["next"])
        assert actions(second) == ["accepted", "rejected", "started"]
        assert second["next"] is None

    async def test_paging_a_filter(self, api: httpx.AsyncClient, admin: Account, log: None) -> None:
        first = await read(api, admin, actor="A9", limit=2)
        assert actions(first) == ["sessions_ended", "user_updated"]
        rest = await read(api, admin, actor="A9", limit=2, older_than=first["next"])
        assert (actions(rest), rest["next"]) == (["user_created"], None)
