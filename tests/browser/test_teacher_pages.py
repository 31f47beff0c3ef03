"""A teacher's pages in Chromium: start an attendance from the home page, find it in the
history once the students checked in and it was stored, correct and delete check-ins,
download the CSV and delete the attendance; on a laptop and on a phone, checked by axe.

The students check in through the JSON API (their page has its own tests); the teacher
plays only the pages, by role and label.
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.browser import NO_PLAYWRIGHT

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.live import LiveServer, Person, log_in
from tests.browser.screenshots import screenshot
from tests.browser.teacher import wait_until_stored

pytestmark = pytest.mark.browser

LESSON = "Ağ Güvenliği"


def log_in_page(page: Page, person: Person) -> None:
    page.goto("/login")
    page.get_by_label("School number").fill(person.number)
    page.get_by_label("Password", exact=True).fill(person.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My attendances")


def start_from_the_form(page: Page) -> str:
    """Starts :data:`LESSON` for 30 minutes without the code check; the attendance id."""
    page.get_by_label(re.compile(r"^Lesson name")).fill(LESSON)
    page.get_by_label("Duration in minutes").fill("30")
    page.get_by_label("Late after (minutes)").fill("10")
    page.get_by_role("checkbox", name="Code on the screen").uncheck()
    expect(page.get_by_label("Allowed networks")).to_be_hidden()
    page.get_by_role("checkbox", name="Classroom network").check()
    expect(page.get_by_label("Allowed networks")).to_have_value("127.0.0.1/32")
    page.get_by_role("checkbox", name="Classroom network").uncheck()
    page.get_by_role("button", name="Start and open the projector").click()
    page.wait_for_url(re.compile(r"/teacher/attendances/[0-9a-f-]{36}/projector$"))
    return page.url.rsplit("/", 2)[1]


def check_in_and_store(live: LiveServer, teacher_api: httpx.Client, attendance_id: str) -> None:
    """Every student checks in; the teacher finishes; the server's job stores it."""
    for student in live.students:
        headers = {"Authorization": f"Bearer {log_in(live.base_url, student)}"}
        response = httpx.post(
            f"{live.base_url}/api/v1/attendances/{attendance_id}/check-in", headers=headers
        )
        assert response.status_code == 201, response.text
    assert teacher_api.post(f"/attendances/{attendance_id}/finish").status_code == 200
    wait_until_stored(teacher_api, attendance_id)


def test_a_teacher_starts_finds_corrects_and_exports_an_attendance(
    live: LiveServer, teacher_api: httpx.Client, desktop: BrowserContext
) -> None:
    page = desktop.new_page()
    log_in_page(page, live.teacher)
    assert_accessible(page)
    attendance_id = start_from_the_form(page)
    check_in_and_store(live, teacher_api, attendance_id)

    page.goto("/teacher")
    page.get_by_label("Search by lesson name").fill("ag guvenligi")
    page.get_by_role("button", name="Search").click()
    history = page.get_by_role("table")
    expect(history.get_by_role("row")).to_have_count(2)  # the header and this lesson
    expect(history.get_by_role("cell", name="Present 4")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "teacher-home")

    history.get_by_role("link", name=LESSON).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(LESSON)
    expect(page.get_by_role("list", name="Check-ins by status")).to_contain_text("4 check-ins")
    assert_accessible(page)
    screenshot(page, "past-attendance")

    student = live.students[0]
    page.get_by_role("link", name=f"Change {student.full_name}").click()
    page.get_by_role("radio", name="Excused").check()
    page.get_by_role("button", name="Save the change").click()
    expect(page.get_by_role("alert")).to_contain_text("Give a reason")
    expect(page.get_by_role("radio", name="Excused")).to_be_checked()
    assert_accessible(page)
    page.get_by_label(re.compile(r"^Reason\s+Required")).fill("Doktor raporu")
    page.get_by_role("button", name="Save the change").click()
    expect(page.get_by_role("status")).to_have_text("The check-in was changed.")
    row = page.get_by_role("row", name=re.compile(student.full_name))
    expect(row.get_by_text("Excused")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    assert download.value.suggested_filename.startswith("Ağ-Güvenliği-")
    assert download.value.suggested_filename.endswith(".csv")

    page.get_by_role("link", name=f"Change {live.students[1].full_name}").click()
    page.get_by_label("Reason for deleting").fill("Derste değildi")
    page.get_by_role("button", name="Delete the check-in").click()
    expect(page.get_by_role("status")).to_have_text("The check-in was deleted.")
    expect(page.get_by_text(live.students[1].full_name)).to_have_count(0)


def test_a_teacher_deletes_an_attendance_on_a_phone(
    live: LiveServer, teacher_api: httpx.Client, phone: BrowserContext
) -> None:
    page = phone.new_page()
    log_in_page(page, live.teacher)
    assert_accessible(page)
    attendance_id = start_from_the_form(page)
    check_in_and_store(live, teacher_api, attendance_id)

    page.goto(f"/teacher/attendances/{attendance_id}")
    assert_accessible(page)
    page.get_by_role("link", name="Delete this attendance").tap()
    page.get_by_label("Reason").fill("Yanlış ders")
    page.get_by_role("button", name="Delete the attendance").tap()
    expect(page.get_by_role("alert")).to_contain_text("Tick the box to confirm the deletion.")
    expect(page.get_by_label("Reason")).to_have_value("Yanlış ders")
    assert_accessible(page)
    page.get_by_role("checkbox", name="Yes, delete this attendance").check()
    page.get_by_role("button", name="Delete the attendance").tap()
    expect(page.get_by_role("status")).to_contain_text("The attendance was deleted.")
    expect(page.get_by_text("Reason: Yanlış ders")).to_be_visible()
    assert_accessible(page)
