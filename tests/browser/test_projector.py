"""The projector on the classroom PC: a QR code that decodes to the check-in link with the
code shown, both changing with the code step without a reload, and a live counter."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.browser import NO_PLAYWRIGHT

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)

from playwright.sync_api import BrowserContext, expect

from tests.browser.axe import assert_accessible
from tests.browser.live import LiveServer
from tests.browser.qr import decode_qr
from tests.browser.screenshots import screenshot
from tests.browser.teacher import check_in, finish_if_open, start_attendance, teacher_page

pytestmark = pytest.mark.browser

LESSON = "Veri Yapıları"
STEP_MS = 15_000
"""ATTN_CODE_STEP_SECONDS's default: the code changes at least this often."""


@pytest.fixture
def attendance_id(teacher_api: httpx.Client) -> Iterator[str]:
    started = start_attendance(teacher_api, LESSON, code=True)
    yield started
    finish_if_open(teacher_api, started)


def test_the_qr_code_and_code_change_with_the_step_without_a_reload(
    live: LiveServer, teacher_api: httpx.Client, attendance_id: str, desktop: BrowserContext
) -> None:
    page = teacher_page(desktop, live)
    page.goto(f"/teacher/attendances/{attendance_id}/projector")
    expect(page.get_by_role("heading", level=1)).to_have_text(LESSON)
    expect(page.get_by_text(live.teacher.full_name)).to_be_visible()
    qr = page.get_by_role("img", name="QR code of the check-in link")
    box = qr.bounding_box()
    assert box is not None
    assert box["height"] >= 0.6 * 800, box
    code = page.locator("#code")
    first = code.inner_text()
    assert decode_qr(qr) == f"{live.base_url}/check-in/{attendance_id}?code={first}"
    assert_accessible(page)
    screenshot(page, "projector", full_page=False)
    page.evaluate("() => { window.attnNotReloaded = true; }")

    expect(code).not_to_have_text(first, timeout=STEP_MS + 5_000)
    second = code.inner_text()
    assert decode_qr(qr) == f"{live.base_url}/check-in/{attendance_id}?code={second}"
    assert page.evaluate("() => window.attnNotReloaded === true"), "no reload"


def test_the_counter_follows_check_ins_live(
    live: LiveServer, teacher_api: httpx.Client, attendance_id: str, desktop: BrowserContext
) -> None:
    page = teacher_page(desktop, live)
    page.goto(f"/teacher/attendances/{attendance_id}/projector")
    counter = page.locator("#count")
    expect(counter).to_have_text("0")
    code = teacher_api.get(f"/attendances/{attendance_id}/code").json()["code"]
    check_in(live, live.students[3], attendance_id, code)
    expect(counter).to_have_text("1", timeout=2_000)
    check_in(live, live.students[0], attendance_id, "ZZZZZZ")  # a wrong code: not counted
    page.wait_for_timeout(500)
    expect(counter).to_have_text("1")
    # the time left counts down from the server's figure: 58 or 59 minutes of the hour
    expect(page.locator("#left")).to_have_text(re.compile(r"^5[89]:[0-5]\d$"))

    finish_if_open(teacher_api, attendance_id)
    expect(page.get_by_text("Check-in is closed.")).to_be_visible()
    expect(page.locator("#count")).to_have_text("1")
    assert_accessible(page)
