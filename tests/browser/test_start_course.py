"""Starting a course's attendance from the teacher's home in Chromium: the teacher picks
their course (its name fills the empty lesson name as it is picked), starts, and the
projector and the live list show the course's code; another pick replaces the filled name
but never a name the teacher typed. axe on the form and the projector, on a laptop."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.browser import NO_PLAYWRIGHT

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)

from playwright.sync_api import BrowserContext, expect

from tests.browser.axe import assert_accessible
from tests.browser.live import LiveServer, log_in
from tests.browser.screenshots import screenshot
from tests.browser.teacher import finish_if_open, teacher_page

pytestmark = pytest.mark.browser

COURSE = {"code": "BRW216", "name": "Tarayıcı Ağları", "term": "2026-güz"}
OPTION = "BRW216 · Tarayıcı Ağları (2026-güz)"


def create_course(live: LiveServer) -> None:
    """The admin creates the course for the teacher (the API, as the admin pages do)."""
    headers = {"Authorization": f"Bearer {log_in(live.base_url, live.admin)}"}
    body = {**COURSE, "teacher_numbers": [live.teacher.number]}
    response = httpx.post(f"{live.base_url}/api/v1/courses", json=body, headers=headers)
    assert response.status_code == 201, response.text


def test_a_teacher_starts_a_course_attendance_from_the_form(
    live: LiveServer, teacher_api: httpx.Client, desktop: BrowserContext
) -> None:
    create_course(live)
    page = teacher_page(desktop, live)
    course = page.get_by_label(re.compile(r"^Course"))
    lesson = page.get_by_label(re.compile(r"^Lesson name"))
    expect(course).to_have_value("")  # no course until one is picked
    course.select_option(label=OPTION)
    expect(lesson).to_have_value("Tarayıcı Ağları")  # filled in as the course is picked
    course.select_option(label="No course (a one-off attendance)")
    expect(lesson).to_have_value("")  # the name it filled goes with it
    lesson.fill("Ağlar: tekrar")
    course.select_option(label=OPTION)
    expect(lesson).to_have_value("Ağlar: tekrar")  # a typed name is the teacher's
    lesson.fill("")
    course.select_option(label="No course (a one-off attendance)")
    course.select_option(label=OPTION)
    expect(lesson).to_have_value("Tarayıcı Ağları")
    assert_accessible(page)
    screenshot(page, "start-course-form")

    page.get_by_role("button", name="Start and open the projector").click()
    page.wait_for_url(re.compile(r"/teacher/attendances/[0-9a-f-]{36}/projector$"))
    attendance_id = page.url.rsplit("/", 2)[1]
    try:
        expect(page.get_by_role("heading", level=1)).to_have_text("BRW216 Tarayıcı Ağları")
        assert_accessible(page)
        screenshot(page, "projector-course")
        started = teacher_api.get(f"/attendances/{attendance_id}").json()
        assert started["lesson_name"] == "Tarayıcı Ağları"
        assert started["course_id"] is not None
        page.goto(f"/teacher/attendances/{attendance_id}/live")
        expect(page.get_by_role("heading", level=1)).to_have_text("BRW216 Tarayıcı Ağları")
        page.goto("/teacher")
        live_now = page.get_by_role("region", name="Live now")
        expect(live_now.get_by_role("heading", name="BRW216 Tarayıcı Ağları")).to_be_visible()
    finally:
        finish_if_open(teacher_api, attendance_id)
