"""An excuse request in Chromium: a student marked absent asks to be excused from their
history on a phone (the note and a PDF through the plain form), the teacher answers it from
the past attendance's page on a laptop and approves it, and the student sees the outcome;
axe checks every page on the way.

The lesson itself runs through the JSON API (the check-in and the teacher's pages have
their own browser tests).
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
from tests.browser.test_teacher_pages import log_in_page

pytestmark = pytest.mark.browser

LESSON = "Sayısal Yöntemler"
PDF = b"%PDF-1.4\n% rapor\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def absent_and_stored(live: LiveServer, teacher_api: httpx.Client, student: Person) -> str:
    """An attendance where ``student`` checked in, then was marked absent; stored."""
    started = teacher_api.post("/attendances", json={"lesson_name": LESSON, "duration_minutes": 30})
    assert started.status_code == 201, started.text
    aid: str = started.json()["attendance_id"]
    headers = {"Authorization": f"Bearer {log_in(live.base_url, student)}"}
    checked = httpx.post(f"{live.base_url}/api/v1/attendances/{aid}/check-in", headers=headers)
    assert checked.status_code == 201, checked.text
    marked = teacher_api.put(
        f"/attendances/{aid}/records/{student.number}", json={"status": "absent"}
    )
    assert marked.status_code == 200, marked.text
    assert teacher_api.post(f"/attendances/{aid}/finish").status_code == 200
    wait_until_stored(teacher_api, aid)
    return aid


def student_logs_in(page: Page, student: Person) -> None:
    page.goto("/login")
    page.get_by_label("School number").fill(student.number)
    page.get_by_label("Password", exact=True).fill(student.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My attendance")


def test_a_student_asks_and_the_teacher_approves(
    live: LiveServer, teacher_api: httpx.Client, phone: BrowserContext, desktop: BrowserContext
) -> None:
    student = live.students[3]
    aid = absent_and_stored(live, teacher_api, student)

    mine = phone.new_page()
    student_logs_in(mine, student)
    mine.get_by_role("link", name=f"Ask to be excused — {LESSON}").click()
    expect(mine.get_by_role("heading", level=1)).to_have_text("Ask to be excused")
    assert_accessible(mine)
    mine.get_by_role("button", name="Send the request").click()  # no note yet
    expect(mine.get_by_role("alert")).to_contain_text("Write why you missed the lesson")
    assert_accessible(mine)
    mine.get_by_label(re.compile("^Why did you miss the lesson")).fill("Hastaydım; rapor ekte.")
    mine.get_by_label(re.compile(r"^A document \(optional\)")).set_input_files(
        {"name": "rapor.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    mine.get_by_role("button", name="Send the request").click()
    expect(mine.get_by_role("status")).to_have_text("Your request was sent to the teacher.")
    requests = mine.get_by_role("region", name="Your excuse requests")
    expect(requests).to_contain_text("Waiting for the teacher")
    assert_accessible(mine)

    desk = desktop.new_page()
    log_in_page(desk, live.teacher)
    desk.goto(f"/teacher/attendances/{aid}")
    excuses = desk.get_by_role("region", name="Excuse requests")
    expect(excuses).to_contain_text("Hastaydım; rapor ekte.")
    assert_accessible(desk)
    excuses.get_by_role("link", name=f"Answer the request — {student.full_name}").click()
    expect(desk.get_by_role("link", name="Download the file: rapor.pdf")).to_be_visible()
    assert_accessible(desk)
    screenshot(desk, "teacher-excuse")
    desk.get_by_label(re.compile(r"^Note \(optional\)")).fill("Rapor geçerli")
    desk.get_by_role("button", name="Approve: excused").click()
    expect(desk.get_by_role("status")).to_have_text(
        "The request was approved: the check-in is now excused."
    )
    row = desk.get_by_role("row", name=re.compile(student.full_name))
    expect(row.get_by_text("Excused")).to_be_visible()
    assert_accessible(desk)

    mine.reload()
    expect(requests).to_contain_text("Approved: excused")
    history = mine.get_by_role("row", name=re.compile(LESSON))
    expect(history.get_by_text("Excused", exact=True)).to_be_visible()
    screenshot(mine, "student-excuses")
