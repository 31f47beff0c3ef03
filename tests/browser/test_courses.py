"""Courses in Chromium: an admin creates a course for the teacher (laptop); the teacher, on
a phone, finds it under "My courses", adds a student, imports a roster CSV through its
preview (problems listed by line first) and takes a student off the roster. Every page
axe-clean, none scrolling sideways on the phone. Played by role and label."""

from __future__ import annotations

import pytest

from tests.browser import NO_PLAYWRIGHT

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.live import LiveServer, Person
from tests.browser.screenshots import screenshot
from tests.browser.test_admin import admin_logs_in

pytestmark = pytest.mark.browser

BAD_ROSTER = "b4001,Ece Güneş\nb4001,Ece Güneş\nt1001,Ayşe Yılmaz\n"
GOOD_ROSTER = "Öğrenci No;Ad Soyad\nb4001;Ece Güneş\nb4002;Oğuz Işık\ns2001;Can Demir\n"


def logs_in(context: BrowserContext, person: Person, path: str) -> Page:
    page = context.new_page()
    page.goto(path)
    page.get_by_label("School number").fill(person.number)
    page.get_by_label("Password", exact=True).fill(person.password)
    page.get_by_role("button", name="Log in").click()
    return page


def fits_the_phone(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} scrolls sideways on a phone ({width} px)"


def upload(page: Page, content: str, link: str = "Import a roster from CSV") -> None:
    page.get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", name="Import a roster · BRW101")).to_be_visible()
    page.get_by_label("CSV file").set_input_files(
        {"name": "roster.csv", "mimeType": "text/csv", "buffer": content.encode()}
    )
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="Roster preview · BRW101")).to_be_visible()


class TestCourses:
    def test_an_admin_creates_a_course_and_its_teacher_keeps_the_roster(
        self, desktop: BrowserContext, phone: BrowserContext, live: LiveServer
    ) -> None:
        admin = admin_logs_in(desktop, live, "/admin/courses")
        expect(admin.get_by_role("heading", name="Courses", level=1)).to_be_visible()
        assert_accessible(admin)
        admin.get_by_label("Code").fill("brw101")
        admin.get_by_label("Name").fill("Tarayıcı Dersi")
        admin.get_by_label("Term").fill("2026-güz")
        admin.get_by_label("Teachers (optional)").fill(live.teacher.number)
        admin.get_by_role("button", name="Create the course").click()
        expect(admin.get_by_text("The course was created.")).to_be_visible()
        expect(admin.get_by_role("heading", name="BRW101 · Tarayıcı Dersi")).to_be_visible()
        assert_accessible(admin)

        page = logs_in(phone, live.teacher, "/teacher/courses")
        expect(page.get_by_role("heading", name="My courses")).to_be_visible()
        assert_accessible(page)
        fits_the_phone(page)
        page.get_by_role("link", name="BRW101").click()
        page.get_by_label("School number").fill(live.students[1].number)
        page.get_by_role("button", name="Add to the roster").click()
        expect(page.get_by_text("The student was added to the roster.")).to_be_visible()
        expect(
            page.get_by_role("cell", name=live.students[1].full_name, exact=True)
        ).to_be_visible()
        assert_accessible(page)
        fits_the_phone(page)

        upload(page, BAD_ROSTER)
        expect(page.get_by_text("The file has 2 problems.")).to_be_visible()
        expect(page.get_by_role("cell", name="This number is in the file twice.")).to_be_visible()
        expect(page.get_by_role("button", name="Confirm the import")).to_have_count(0)
        assert_accessible(page)
        fits_the_phone(page)

        upload(page, GOOD_ROSTER, "Upload the corrected file")
        expect(page.get_by_role("cell", name="Oğuz Işık", exact=True)).to_be_visible()
        assert_accessible(page)
        fits_the_phone(page)
        page.get_by_role("button", name="Confirm the import").click()
        expect(page.get_by_text("The roster was imported.")).to_be_visible()
        assert_accessible(page)
        page.get_by_role("link", name="Back to the course").click()
        expect(page.get_by_text("4 students on the roster.")).to_be_visible()

        page.get_by_role("button", name="Remove Oğuz Işık from the roster").click()
        expect(page.get_by_text("The student was taken off the roster.")).to_be_visible()
        expect(page.get_by_text("3 students on the roster.")).to_be_visible()
        expect(page.get_by_role("cell", name="Oğuz Işık", exact=True)).to_have_count(0)
        assert_accessible(page)
        fits_the_phone(page)
        screenshot(page, "teacher-course-roster")
