"""A student checks in on a phone from the QR code the teacher projects.

The teacher's side is the JSON API (the teacher pages do not exist yet): it starts the
attendance and serves the QR code, which the projector shows and the test reads off the
screen. The student's side is the check-in page, played by role and label.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.browser import NO_PLAYWRIGHT

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)

from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.live import LiveServer
from tests.browser.qr import decode_qr
from tests.browser.screenshots import screenshot

pytestmark = pytest.mark.browser

LESSON = "Veri Yapıları"
CHECKED_IN = "You are checked in: present."


@pytest.fixture
def attendance_id(teacher_api: httpx.Client) -> Iterator[str]:
    """An attendance open for an hour that asks for the code on the screen and one device
    per student; finished afterwards (a teacher has one live attendance at a time)."""
    body = {"lesson_name": LESSON, "duration_minutes": 60, "checks": {"code": True, "device": True}}
    response = teacher_api.post("/attendances", json=body)
    assert response.status_code == 201, response.text
    started: str = response.json()["attendance_id"]
    yield started
    finished = teacher_api.post(f"/attendances/{started}/finish")
    assert finished.status_code in (200, 409), finished.text  # 409: the test finished it


def project_qr(projector: Page, teacher_api: httpx.Client, attendance_id: str) -> str:
    """Shows the attendance's QR code on the projector and reads it back off the screen."""
    response = teacher_api.get(f"/attendances/{attendance_id}/code.svg")
    assert response.status_code == 200, response.text
    projector.set_content(
        f"<main><h1>{LESSON}</h1><figure role='img' aria-label='QR code'>"
        f"{response.text}</figure></main>"
    )
    return decode_qr(projector.get_by_role("img", name="QR code"))


def records(teacher_api: httpx.Client, attendance_id: str) -> list[dict[str, Any]]:
    response = teacher_api.get(f"/attendances/{attendance_id}/records")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["records"]
    return found


def test_a_student_checks_in_on_a_phone_from_the_projected_qr_code(
    live: LiveServer,
    teacher_api: httpx.Client,
    attendance_id: str,
    desktop: BrowserContext,
    phone: BrowserContext,
) -> None:
    link = project_qr(desktop.new_page(), teacher_api, attendance_id)
    assert link.startswith(f"{live.base_url}/check-in/{attendance_id}?code="), link
    student = live.students[0]

    page = phone.new_page()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(LESSON)
    assert_accessible(page)
    page.get_by_label("School number").fill(student.number)
    page.get_by_label("Password").fill(student.password)
    page.get_by_role("button", name="Log in").tap()

    expect(page.get_by_text(f"Logged in as {student.full_name}")).to_be_visible()
    # The scanned code was kept as a ticket: no field to type it in, and gone from the
    # address (a reload or a screenshot of the address bar carries no code).
    expect(page.get_by_text("We kept the code you scanned.")).to_be_visible()
    expect(page.get_by_label("Code on the teacher's screen")).to_be_hidden()
    assert "code=" not in page.url
    code = parse_qs(urlsplit(link).query)["code"][0]
    assert code not in page.content()
    page.get_by_role("button", name="Check in", exact=True).tap()
    expect(page.get_by_role("status")).to_have_text(CHECKED_IN)
    assert_accessible(page)
    screenshot(page, "student-check-in")

    [record] = records(teacher_api, attendance_id)
    assert (record["student_number"], record["status"]) == (student.number, "present")
    assert record["device_id"], "the page sends the phone's device id"


def test_the_check_in_works_with_the_keyboard_alone(
    live: LiveServer, teacher_api: httpx.Client, attendance_id: str, phone: BrowserContext
) -> None:
    """A student who types the code read off the screen, using Tab, typing and Enter."""
    student = live.students[1]
    page = phone.new_page()
    page.goto(f"/check-in/{attendance_id}")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()

    tab_to(page, page.get_by_role("link", name="Skip to content")).press("Enter")
    tab_to(page, page.get_by_label("School number")).press_sequentially(student.number)
    tab_to(page, page.get_by_label("Password")).press_sequentially(student.password)
    tab_to(page, page.get_by_role("checkbox", name="Remember this phone"))
    tab_to(page, page.get_by_role("button", name="Log in")).press("Enter")

    expect(page.get_by_text(f"Logged in as {student.full_name}")).to_be_visible()
    code_box = page.get_by_label("Code on the teacher's screen")
    expect(code_box).to_be_focused()  # the login moves the focus on to the next step
    code_box.press_sequentially(current_code(teacher_api, attendance_id))
    code_box.press("Enter")
    expect(page.get_by_role("status")).to_have_text(CHECKED_IN)
    assert [r["student_number"] for r in records(teacher_api, attendance_id)] == [student.number]


def tab_to(page: Page, target: Locator) -> Locator:
    """Presses Tab once and checks the focus landed on ``target`` (the tab order)."""
    page.keyboard.press("Tab")
    expect(target).to_be_focused()
    return target


def current_code(teacher_api: httpx.Client, attendance_id: str) -> str:
    response = teacher_api.get(f"/attendances/{attendance_id}/code")
    assert response.status_code == 200, response.text
    code: str = response.json()["code"]
    return code


def test_a_finished_attendance_and_a_wrong_link_say_so_accessibly(
    teacher_api: httpx.Client, attendance_id: str, phone: BrowserContext
) -> None:
    """The pages a student meets when the QR code was old or the link mistyped."""
    finished = teacher_api.post(f"/attendances/{attendance_id}/finish")
    assert finished.status_code == 200, finished.text
    page = phone.new_page()
    page.goto(f"/check-in/{attendance_id}")
    expect(page.get_by_text("This attendance is closed")).to_be_visible()
    expect(page.get_by_role("button", name="Log in")).to_have_count(0)
    assert_accessible(page)

    page.goto("/check-in/00000000-0000-4000-8000-000000000000")
    expect(page.get_by_role("heading", level=1)).to_have_text("Attendance not found")
    assert_accessible(page)
