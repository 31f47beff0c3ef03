"""The student's side in a browser: the check-in page after a reload, through a dropped
connection, refusing in words (in English and once in Turkish), and the way in without a
QR code (finding the attendance, typing the code), then the own history.

The teacher's side is the JSON API, as in test_check_in.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from tests.browser import NO_PLAYWRIGHT

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import PHONE, TIMEOUT_MS
from tests.browser.live import LiveServer, Person
from tests.browser.screenshots import screenshot
from tests.browser.test_check_in import CHECKED_IN, current_code

pytestmark = pytest.mark.browser

LESSON = "Algoritmalar"
STATUS_TIMEOUT_MS = 20_000
"""The retry waits grow to 15 s; the status must come back within one of them."""


@contextmanager
def attendance(teacher_api: httpx.Client, **checks: Any) -> Iterator[str]:
    """An open attendance with ``checks``, finished afterwards (one live per teacher)."""
    body = {"lesson_name": LESSON, "duration_minutes": 60, "checks": checks}
    response = teacher_api.post("/attendances", json=body)
    assert response.status_code == 201, response.text
    started: str = response.json()["attendance_id"]
    try:
        yield started
    finally:
        finished = teacher_api.post(f"/attendances/{started}/finish")
        assert finished.status_code in (200, 409), finished.text


def log_in(page: Page, student: Person) -> None:
    page.get_by_label("School number").fill(student.number)
    page.get_by_label("Password", exact=True).fill(student.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text(f"({student.number})")).to_be_visible()


def check_in_button(page: Page) -> Any:
    return page.get_by_role("button", name="Check in", exact=True)


def test_a_reload_shows_the_check_in_and_a_dropped_connection_is_retried(
    live: LiveServer, teacher_api: httpx.Client, phone: BrowserContext
) -> None:
    student = live.students[0]
    with attendance(teacher_api, code=True) as aid:
        page = phone.new_page()
        page.goto(f"/check-in/{aid}")
        log_in(page, student)
        page.get_by_label("Code on the teacher's screen").fill(current_code(teacher_api, aid))
        phone.set_offline(True)
        check_in_button(page).click()
        status = page.get_by_role("status")
        expect(status).to_contain_text("No connection. Retrying")
        phone.set_offline(False)
        expect(status).to_have_text(CHECKED_IN, timeout=STATUS_TIMEOUT_MS)

        page.reload()
        expect(page.get_by_role("status")).to_have_text(CHECKED_IN)
        expect(check_in_button(page)).to_be_hidden()
        assert_accessible(page)


def test_each_refusal_in_words(
    live: LiveServer, teacher_api: httpx.Client, phone: BrowserContext
) -> None:
    first, second = live.students[1], live.students[2]
    with attendance(teacher_api, code=True, device=True) as aid:
        page = phone.new_page()
        page.goto(f"/check-in/{aid}")
        log_in(page, first)
        code_box = page.get_by_label("Code on the teacher's screen")
        code = current_code(teacher_api, aid)
        code_box.fill(("2" if code[0] != "2" else "3") + code[1:])
        check_in_button(page).click()
        status = page.get_by_role("status")
        expect(status).to_have_text(
            "Check-in refused: The code is wrong or has expired. Type the code on the screen now."
        )
        assert_accessible(page)
        code_box.fill(current_code(teacher_api, aid))
        check_in_button(page).click()
        expect(status).to_have_text(CHECKED_IN)

        phone.clear_cookies()  # someone else logs in on the same phone (same device id)
        page.reload()
        log_in(page, second)
        page.get_by_label("Code on the teacher's screen").fill(current_code(teacher_api, aid))
        check_in_button(page).click()
        expect(status).to_contain_text("This phone was already used to check in another student.")

        teacher_api.post(f"/attendances/{aid}/finish")
        check_in_button(page).click()
        expect(status).to_have_text("This attendance has finished.")
        expect(check_in_button(page)).to_be_hidden()

    with attendance(teacher_api, network=True, allowed_networks=["10.0.0.0/8"]) as aid:
        page.goto(f"/check-in/{aid}")
        check_in_button(page).click()
        expect(status).to_have_text(
            "Check-in refused: You are not on the classroom network. Fix this and check in again."
        )


def test_in_turkish(live: LiveServer, teacher_api: httpx.Client, browser: Browser) -> None:
    context = browser.new_context(
        base_url=live.base_url, locale="tr-TR", viewport=PHONE, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    student = live.students[3]
    try:
        with attendance(teacher_api, code=True) as aid:
            page = context.new_page()
            page.goto(f"/check-in/{aid}")
            expect(
                page.get_by_role("heading", name="Yoklamaya katılmak için giriş yapın")
            ).to_be_visible()
            page.get_by_label("Okul numarası").fill(student.number)
            page.get_by_label("Şifre").fill(student.password)
            page.get_by_role("button", name="Giriş yap").click()
            page.get_by_label("Öğretmenin ekranındaki kod").fill("222222")
            page.get_by_role("button", name="Yoklamaya katıl", exact=True).click()
            expect(page.get_by_role("status")).to_contain_text("Yoklama reddedildi: Kod yanlış")
            assert_accessible(page)
    finally:
        context.close()


def test_without_a_qr_code_find_the_lesson_type_the_code_then_see_the_history(
    live: LiveServer, teacher_api: httpx.Client, phone: BrowserContext
) -> None:
    student = live.students[0]
    with attendance(teacher_api, code=True) as aid:
        page = phone.new_page()
        page.goto("/")
        page.get_by_role("link", name="No QR code? Find your lesson and type the code").click()
        page.get_by_label("School number").fill(student.number)
        page.get_by_label("Password", exact=True).fill(student.password)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Find an open attendance")

        page.get_by_role("button", name="Search").click()
        expect(page.get_by_role("alert")).to_contain_text(
            "Type a teacher's name or a lesson's name."
        )
        page.get_by_label("Teacher").fill(live.teacher.full_name.split()[-1].lower())
        page.get_by_role("button", name="Search").click()
        expect(page.get_by_role("heading", name="1 open attendance")).to_be_visible()
        assert_accessible(page)
        screenshot(page, "student-find")
        page.get_by_role("link", name=f"Check in to {LESSON}").click()

        expect(page.get_by_role("heading", level=1)).to_have_text(LESSON)
        page.get_by_label("Code on the teacher's screen").fill(current_code(teacher_api, aid))
        check_in_button(page).click()
        expect(page.get_by_role("status")).to_have_text(CHECKED_IN)

        page.get_by_role("link", name="My attendance").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("My attendance")
        row = page.get_by_role("row").filter(has_text=LESSON).first
        expect(row).to_contain_text("Present")
        assert_accessible(page)
        screenshot(page, "student-history")
