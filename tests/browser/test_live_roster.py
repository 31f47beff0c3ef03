"""A course's live list in Chromium: who of the roster has not checked in yet shrinks as
students check in and follows roster changes made during the lesson, without a reload (so
does the projector's roster count); a walk-in's refused attempt is there to accept."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.browser import NO_PLAYWRIGHT

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)

from playwright.sync_api import BrowserContext, expect

from tests.browser.axe import assert_accessible
from tests.browser.live import LiveServer, log_in
from tests.browser.screenshots import screenshot
from tests.browser.teacher import check_in, finish_if_open, teacher_page

pytestmark = pytest.mark.browser


@pytest.fixture
def course_attendance(live: LiveServer, teacher_api: httpx.Client) -> Iterator[tuple[str, str]]:
    """BRW202 taught by the teacher, two students on its roster, and its open attendance."""
    admin = {"Authorization": f"Bearer {log_in(live.base_url, live.admin)}"}
    created = httpx.post(
        f"{live.base_url}/api/v1/courses",
        json={"code": "BRW202", "name": "Canlı Liste", "term": "2026-güz",
              "teacher_numbers": [live.teacher.number]},
        headers=admin,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    course = created.json()["course_id"]
    for student in live.students[:2]:
        added = teacher_api.post(
            f"/courses/{course}/roster", json={"student_number": student.number}
        )
        assert added.status_code == 201, added.text
    body = {"course_id": course, "duration_minutes": 60, "checks": {"code": False}}
    started = teacher_api.post("/attendances", json=body)
    assert started.status_code == 201, started.text
    aid: str = started.json()["attendance_id"]
    yield course, aid
    finish_if_open(teacher_api, aid)


def test_not_checked_in_yet_follows_the_lesson(
    live: LiveServer,
    teacher_api: httpx.Client,
    course_attendance: tuple[str, str],
    phone: BrowserContext,
) -> None:
    course, aid = course_attendance
    first, second, third, walk_in = live.students
    page = teacher_page(phone, live)
    page.goto(f"/teacher/attendances/{aid}/live")
    expect(page.get_by_text("Live: new check-ins appear by themselves.")).to_be_visible()
    waiting = page.locator("#waiting li")
    expect(waiting).to_have_count(2)
    expect(page.locator('[data-count="waiting"]').first).to_have_text("2")
    assert_accessible(page)

    check_in(live, first, aid)
    expect(waiting).to_have_count(1)
    expect(waiting.first).to_contain_text(second.full_name)
    expect(page.locator('[data-count="waiting"]').first).to_have_text("1")

    screen = phone.new_page()
    screen.goto(f"/teacher/attendances/{aid}/projector")
    expect(screen.locator("#on-roster")).to_have_text("2")
    added = teacher_api.post(f"/courses/{course}/roster", json={"student_number": third.number})
    assert added.status_code == 201, added.text
    expect(waiting).to_have_count(2)
    expect(page.locator(f'#waiting li[data-number="{third.number}"]')).to_contain_text(
        third.full_name
    )
    expect(page.locator('[data-count="roster"]')).to_have_text("3")
    expect(screen.locator("#on-roster")).to_have_text("3")
    removed = teacher_api.delete(f"/courses/{course}/roster/{second.number}")
    assert removed.status_code == 204, removed.text
    expect(waiting).to_have_count(1)
    expect(page.locator('[data-count="roster"]')).to_have_text("2")

    token = log_in(live.base_url, walk_in)
    refused = httpx.post(
        f"{live.base_url}/api/v1/attendances/{aid}/check-in",
        json={},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert refused.status_code == 403, refused.text
    row = page.locator(f"#r-{walk_in.number}")
    expect(row).to_contain_text("Not on the course's roster")
    screenshot(page, "live-list-roster")
    row.get_by_role("button", name="Accept").click()
    expect(row.locator(".badge")).to_have_text("Present")
    expect(waiting).to_have_count(1)
    expect(page.locator("#waiting-empty")).to_be_hidden()
