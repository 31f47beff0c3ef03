"""The audit log page: entries in words, the filters as a GET form (bad ones named, kept),
dates in the installation's time zone, and older pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx

from attn.db.sql import repository
from attn.models import Role
from attn.runtime import Runtime
from tests.fixtures.app import MakeUser
from tests.web.admin_pages import input_value, logged_in, main_text

LESSON = UUID("3f2b8c1e-5d4a-4e6b-9c7d-000000000001")
T0 = datetime(2026, 12, 1, 20, 30, tzinfo=UTC)  # 23:30 in Istanbul, 2026-12-01


async def arrange(runtime: Runtime) -> None:
    async with runtime.sessionmaker() as session, session.begin():
        await repository.add_audit(
            session, actor="T1", action="record_rejected", attendance_id=LESSON,
            student_number="S1", details={"reason": "not in class"}, at=T0,
        )  # fmt: skip
        await repository.add_audit(
            session, actor="A9", action="user_deactivated",
            details={"user_number": "S2", "role": "student", "sessions": 1},
            at=T0 + timedelta(hours=1),  # 00:30 on 2026-12-02 in Istanbul
        )  # fmt: skip


class TestAuditPage:
    async def test_entries_in_words_newest_first(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user)
        await arrange(runtime)
        page = await api.get("/admin/audit")
        assert page.status_code == 200
        text = main_text(page)
        assert text.index("User deactivated") < text.index("Check-in rejected")
        assert "Reason not in class" in text
        assert "User S2 Role student Sessions ended 1" in text
        assert f'href="/admin/audit?attendance={LESSON}"' in page.text

    async def test_filters_narrow_and_are_kept(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user)
        await arrange(runtime)
        by_actor = await api.get("/admin/audit", params={"actor": "T1"})
        assert "Check-in rejected" in main_text(by_actor)
        assert "User deactivated" not in main_text(by_actor)
        assert input_value(by_actor, "actor") == "T1"
        by_student = main_text(await api.get("/admin/audit", params={"student": "S1"}))
        assert "Check-in rejected" in by_student
        assert "User deactivated" not in by_student
        by_lesson = main_text(await api.get("/admin/audit", params={"attendance": str(LESSON)}))
        assert "Check-in rejected" in by_lesson
        assert "User deactivated" not in by_lesson
        nothing = main_text(await api.get("/admin/audit", params={"actor": "NOBODY"}))
        assert "No entries match these filters." in nothing

    async def test_dates_are_days_of_the_installations_time_zone(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        assert runtime.settings.time_zone == "Europe/Istanbul"
        await logged_in(api, make_user)
        await arrange(runtime)
        first_day = main_text(
            await api.get("/admin/audit", params={"from": "2026-12-01", "to": "2026-12-01"})
        )
        assert "Check-in rejected" in first_day
        assert "User deactivated" not in first_day
        second_day = main_text(await api.get("/admin/audit", params={"from": "2026-12-02"}))
        assert "User deactivated" in second_day
        assert "Check-in rejected" not in second_day

    async def test_bad_filters_are_named_and_kept(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user)
        params = {
            "actor": "a b",
            "attendance": "not-an-id",
            "from": "2026-13-01",
            "to": "9999-12-31",
        }
        page = await api.get("/admin/audit", params=params)
        assert page.status_code == 422
        text = main_text(page)
        assert "Enter a school number." in text
        assert "Enter an attendance id as shown on its page." in text
        assert text.count("Enter a date such as 2026-12-31.") >= 2
        assert input_value(page, "attendance") == "not-an-id"
        backwards = await api.get("/admin/audit", params={"from": "2026-12-02", "to": "2026-12-01"})
        assert "The end date must not be before the start date." in main_text(backwards)

    async def test_older_pages(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user)
        async with runtime.sessionmaker() as session, session.begin():
            for minute in range(60):
                at = T0 + timedelta(minutes=minute)
                await repository.add_audit(session, actor="T1", action=f"step_{minute:02d}", at=at)
        first = await api.get("/admin/audit", params={"actor": "T1"})
        assert "step_59" in first.text
        assert "step_09" not in first.text
        older = first.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
        older = older.replace("&amp;", "&")
        assert older.startswith("/admin/audit?actor=T1&older_than=")
        second = await api.get(older)
        assert "step_09" in second.text
        assert "step_10" not in second.text
        assert 'rel="next"' not in second.text
        bad = await api.get("/admin/audit", params={"older_than": "nonsense"})
        assert bad.status_code == 422
        assert bad.headers["content-type"].startswith("text/html")

    async def test_a_student_gets_the_403_page(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user, Role.STUDENT)
        assert (await api.get("/admin/audit")).status_code == 403
