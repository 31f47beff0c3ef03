"""The teacher's live list on a phone: check-ins appear by themselves within a second, and
the teacher accepts and rejects in place, all without a reload."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.browser import NO_PLAYWRIGHT

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.live import LiveServer
from tests.browser.screenshots import screenshot
from tests.browser.teacher import (
    check_in,
    finish_if_open,
    records,
    start_attendance,
    teacher_page,
)

pytestmark = pytest.mark.browser

LESSON = "Algoritmalar"
APPEARS_WITHIN_MS = 1000


@pytest.fixture
def attendance_id(teacher_api: httpx.Client) -> Iterator[str]:
    """An open attendance asking for the code on the screen."""
    started = start_attendance(teacher_api, LESSON, code=True)
    yield started
    finish_if_open(teacher_api, started)


def code_now(teacher_api: httpx.Client, attendance_id: str) -> str:
    code: str = teacher_api.get(f"/attendances/{attendance_id}/code").json()["code"]
    return code


def mark_page(page: Page) -> None:
    """Leaves a mark in the page's window: a reload would wipe it (see :func:`not_reloaded`)."""
    page.evaluate("() => { window.attnNotReloaded = true; }")


def not_reloaded(page: Page) -> bool:
    return bool(page.evaluate("() => window.attnNotReloaded === true"))


def test_a_check_in_appears_within_a_second_without_a_reload(
    live: LiveServer, teacher_api: httpx.Client, attendance_id: str, phone: BrowserContext
) -> None:
    page = teacher_page(phone, live)
    page.goto(f"/teacher/attendances/{attendance_id}/live")
    expect(page.get_by_role("heading", level=1)).to_have_text(LESSON)
    expect(page.get_by_text("Live: new check-ins appear by themselves.")).to_be_visible()
    mark_page(page)
    student = live.students[0]

    check_in(live, student, attendance_id, code_now(teacher_api, attendance_id))
    arrived = time.monotonic()
    row = page.locator(f"#r-{student.number}")
    expect(row).to_be_visible(timeout=APPEARS_WITHIN_MS)
    assert time.monotonic() - arrived < APPEARS_WITHIN_MS / 1000 + 0.2
    expect(row).to_contain_text(student.full_name)
    expect(row.locator(".badge")).to_have_text("Present")
    expect(page.locator('[data-count="present"]')).to_have_text("1")
    expect(page.locator('[data-count="total"]')).to_have_text("1")
    expect(page.locator("#records .record")).to_have_count(1)
    assert not_reloaded(page)


def test_the_teacher_accepts_and_rejects_in_place(
    live: LiveServer, teacher_api: httpx.Client, attendance_id: str, phone: BrowserContext
) -> None:
    honest, wrong_code = live.students[1], live.students[2]
    check_in(live, honest, attendance_id, code_now(teacher_api, attendance_id))
    check_in(live, wrong_code, attendance_id, "ZZZZZZ")
    page = teacher_page(phone, live)
    page.goto(f"/teacher/attendances/{attendance_id}/live")
    mark_page(page)
    refused = page.locator(f"#r-{wrong_code.number}")
    expect(refused.locator(".badge")).to_have_text("Rejected")
    expect(refused).to_contain_text("Wrong or expired code")
    assert_accessible(page)

    page.get_by_role("button", name=f"Accept {wrong_code.full_name}").tap()
    expect(refused.locator(".badge")).to_have_text("Present")
    expect(page.get_by_role("button", name=f"Accept {wrong_code.full_name}")).to_be_hidden()

    page.get_by_role("button", name=f"Reject {honest.full_name}").tap()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    assert_accessible(page)
    dialog.get_by_role("button", name="Not in the classroom").tap()
    expect(dialog).to_be_hidden()
    row = page.locator(f"#r-{honest.number}")
    expect(row.locator(".badge")).to_have_text("Rejected")
    expect(row).to_contain_text("Rejected: Not in the classroom")
    expect(page.locator('[data-count="rejected"]')).to_have_text("1")
    expect(page.locator('[data-count="present"]')).to_have_text("1")

    stored = records(teacher_api, attendance_id)
    assert stored[wrong_code.number]["status"] == "present"
    assert stored[honest.number]["status"] == "rejected"
    assert stored[honest.number]["decision_reason"] == "Not in the classroom"
    assert not_reloaded(page)
    page.get_by_label("Show").select_option("attention")
    expect(row).to_be_visible()
    expect(refused).to_be_hidden()
    page.get_by_label("Show").select_option("all")
    page.evaluate("() => window.scrollTo(0, 0)")
    screenshot(page, "live-list")
