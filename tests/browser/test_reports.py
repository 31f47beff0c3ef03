"""The report pages in a browser: a teacher reads a course's report on a laptop (the
students under the threshold first, the XLSX download opened with openpyxl) and on a phone
(the matrix scrolls inside its own region, the page itself does not), and a student reads
their own report on a phone. axe-core on each page.

The course and its roster are made through the JSON API. Its stored attendances are written
into the server's SQLite database as the persistence job leaves them, as the page tests do.
"""

from __future__ import annotations

import io
from datetime import timedelta
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import httpx
import pytest

from tests.browser import NO_PLAYWRIGHT

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)

from openpyxl import load_workbook
from playwright.sync_api import BrowserContext, Page, expect

from attn.db.sql.engine import create_engine, create_sessionmaker
from attn.models import Role
from attn.models.types import utcnow
from tests.browser.axe import assert_accessible
from tests.browser.live import LiveServer, Person, log_in
from tests.browser.screenshots import screenshot
from tests.fixtures.app import Account
from tests.fixtures.sql import run_sync
from tests.helpers.course_reports import A, L, P, store_course_attendance

pytestmark = pytest.mark.browser
CODE = "RPT101"


def api_of(live: LiveServer, person: Person) -> httpx.Client:
    token = log_in(live.base_url, person)
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.Client(base_url=live.base_url + "/api/v1", headers=headers)


async def _store_lessons(live: LiveServer, course: UUID) -> None:
    assert live.data_dir is not None
    engine = create_engine(f"sqlite+aiosqlite:///{live.data_dir / 'attn.sqlite3'}")
    holder = SimpleNamespace(sessionmaker=create_sessionmaker(engine))
    teacher = Account(live.teacher.number, live.teacher.full_name, Role.TEACHER, "", "")
    first, second, third, fourth = (s.number for s in live.students)
    start = utcnow() - timedelta(days=7)
    try:
        for day, records in enumerate(
            [
                [(first, P), (second, A), (third, L), (fourth, P)],
                [(first, P), (second, A), (third, P), (fourth, P)],
                [(first, L), (second, P), (third, P), (fourth, A)],
            ],
            start=1,
        ):
            await store_course_attendance(
                holder, teacher, course, start + timedelta(days=day), records
            )
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def course(live: LiveServer) -> str:
    """RPT101, taught by the live teacher, the four students on it, three lessons stored."""
    with api_of(live, live.admin) as admin:
        body = {"code": CODE, "name": "Raporlama", "term": "2026-güz",
                "teacher_numbers": [live.teacher.number]}  # fmt: skip
        created = admin.post("/courses", json=body)
        assert created.status_code == 201, created.text
        course_id: str = created.json()["course_id"]
        for student in live.students:
            added = admin.post(
                f"/courses/{course_id}/roster", json={"student_number": student.number}
            )
            assert added.status_code == 201, added.text
    run_sync(_store_lessons(live, UUID(course_id)))
    return course_id


def log_in_page(page: Page, person: Person) -> None:
    page.get_by_label("School number").fill(person.number)
    page.get_by_label("Password", exact=True).fill(person.password)
    page.get_by_role("button", name="Log in").click()


def test_a_teacher_reads_the_course_report_and_downloads_it(
    live: LiveServer, course: str, desktop: BrowserContext
) -> None:
    page = desktop.new_page()
    page.goto(f"/courses/{course}/report")
    log_in_page(page, live.teacher)
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{CODE} Raporlama")
    under = page.get_by_role("table", name="Under the threshold")
    rows = under.get_by_role("row")
    expect(rows).to_have_count(3)  # the header, then the lowest rate first
    expect(rows.nth(1)).to_contain_text("Elif Şahin")
    expect(rows.nth(1)).to_contain_text("33.3%")
    expect(rows.nth(2)).to_contain_text("Zeynep Kaya")
    expect(rows.nth(2)).to_contain_text("66.7%")
    assert_accessible(page)
    with page.expect_download() as started:
        page.get_by_role("link", name="Excel workbook (XLSX)").click()
    book = load_workbook(io.BytesIO(started.value.path().read_bytes()))
    matrix = {r[0]: r for r in book["Matrix"].iter_rows(min_row=2, values_only=True)}
    assert matrix[live.students[2].number][1:5] == ("Mert Öztürk", "Late", "Present", "Present")


def test_on_a_phone_the_matrix_scrolls_in_its_region(
    live: LiveServer, course: str, phone: BrowserContext
) -> None:
    page = phone.new_page()
    page.goto(f"/courses/{course}/report")
    log_in_page(page, live.teacher)
    region = page.get_by_role("region", name="Table of students and lessons, scrolls sideways")
    expect(region).to_be_visible()
    sizes: dict[str, Any] = page.evaluate(
        """() => {
            const region = document.querySelector('.table-scroll');
            return {page: document.documentElement.scrollWidth, view: window.innerWidth,
                    inner: region.scrollWidth, outer: region.clientWidth};
        }"""
    )
    assert sizes["page"] <= sizes["view"], sizes  # the page itself never scrolls sideways
    assert_accessible(page)
    screenshot(page, "course-report")


def test_a_student_reads_their_own_report_on_a_phone(
    live: LiveServer, course: str, phone: BrowserContext
) -> None:
    student = live.students[1]
    page = phone.new_page()
    page.goto("/student/report")
    log_in_page(page, student)
    expect(page.get_by_role("heading", level=1)).to_have_text("My attendance report")
    summary = page.get_by_role("region", name=f"{CODE} Raporlama")
    expect(summary).to_contain_text("Attendance rate: 33.3%")
    expect(summary).to_contain_text("under the threshold of 70%")
    summary.get_by_text("Lessons", exact=True).click()
    expect(summary.get_by_role("listitem")).to_have_count(3)
    assert_accessible(page)
    screenshot(page, "student-report")
