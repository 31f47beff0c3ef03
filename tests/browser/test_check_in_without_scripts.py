"""The check-in page on a phone that runs no script: the forms alone log the student in
and check them in (POST → redirect → GET), and say a refusal in words.

The teacher's side is the JSON API, as in test_check_in.py.
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.browser import NO_PLAYWRIGHT

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.live import LiveServer
from tests.browser.test_check_in import CHECKED_IN, current_code, records
from tests.browser.test_student import LESSON, attendance, check_in_button

pytestmark = pytest.mark.browser


SCRIPT_TAG = re.compile(r"<script\b[^>]*>.*?</script>", re.S)


def check_accessible(page: Page, checker: BrowserContext) -> None:
    """axe on the page as the scriptless phone has it. Where scripts are off axe's timers
    never fire, so the same HTML (without its script tags, so nothing changes it) is
    served at the same address to a page that runs scripts, and axe runs there."""
    html = SCRIPT_TAG.sub("", page.content())
    copy = checker.new_page()
    copy.route(page.url, lambda route: route.fulfill(body=html, content_type="text/html"))
    copy.goto(page.url)
    try:
        assert_accessible(copy)
    finally:
        copy.close()


def test_a_student_logs_in_and_checks_in_with_forms_only(
    live: LiveServer,
    teacher_api: httpx.Client,
    phone_without_scripts: BrowserContext,
    phone: BrowserContext,
) -> None:
    student = live.students[2]
    with attendance(teacher_api, code=True) as aid:
        page = phone_without_scripts.new_page()
        page.goto(f"/check-in/{aid}")
        expect(page.get_by_role("heading", level=1)).to_have_text(LESSON)
        expect(page.get_by_text("needs JavaScript")).to_have_count(0)
        expect(check_in_button(page)).to_be_hidden()
        check_accessible(page, phone)
        page.get_by_label("School number").fill(student.number)
        page.get_by_label("Password", exact=True).fill(student.password)
        page.get_by_role("button", name="Log in").click()

        expect(page).to_have_url(f"{live.base_url}/check-in/{aid}")
        expect(page.get_by_text(f"Logged in as {student.full_name}")).to_be_visible()
        code_box = page.get_by_label("Code on the teacher's screen")
        code = current_code(teacher_api, aid)
        code_box.fill(("2" if code[0] != "2" else "3") + code[1:])
        check_in_button(page).click()
        expect(page.get_by_role("status")).to_have_text(
            "Check-in refused: The code is wrong or has expired. Type the code on the screen now."
        )
        check_accessible(page, phone)

        page.get_by_label("Code on the teacher's screen").fill(current_code(teacher_api, aid))
        check_in_button(page).click()
        expect(page.get_by_role("status")).to_have_text(CHECKED_IN)
        expect(check_in_button(page)).to_be_hidden()
        check_accessible(page, phone)
        [record] = records(teacher_api, aid)
        assert (record["student_number"], record["status"]) == (student.number, "present")


def test_the_device_check_says_it_needs_javascript(
    live: LiveServer,
    teacher_api: httpx.Client,
    phone_without_scripts: BrowserContext,
    phone: BrowserContext,
) -> None:
    student = live.students[3]
    with attendance(teacher_api, device=True) as aid:
        page = phone_without_scripts.new_page()
        page.goto(f"/check-in/{aid}")
        page.get_by_label("School number").fill(student.number)
        page.get_by_label("Password", exact=True).fill(student.password)
        page.get_by_role("button", name="Log in").click()
        check_in_button(page).click()
        expect(page.get_by_role("alert")).to_contain_text(
            "This lesson checks the phone you check in with, and that needs JavaScript."
        )
        check_accessible(page, phone)
        assert records(teacher_api, aid) == []
