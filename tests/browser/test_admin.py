"""An admin runs the directory in Chromium: finds and corrects users, imports a CSV file
through its preview, and reads the audit log; every page axe-clean, on a laptop and on a
phone. Played by role and label, as a person would."""

from __future__ import annotations

import pytest

from tests.browser import NO_PLAYWRIGHT

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.live import LiveServer
from tests.browser.screenshots import screenshot

pytestmark = pytest.mark.browser

GOOD_CSV = (
    "user_number,full_name,role,password\n"
    "b3001,Gül Yıldız,student,\n"
    "b3002,Hakan Çelik,student,browser-pass-3002\n"
)
BAD_CSV = "b3003,Irmak Su,student\nb3003,Again,student\nb3004,,student\n"


def admin_logs_in(context: BrowserContext, live: LiveServer, path: str = "/admin") -> Page:
    page = context.new_page()
    page.goto(path)
    page.get_by_label("School number").fill(live.admin.number)
    page.get_by_label("Password", exact=True).fill(live.admin.password)
    page.get_by_role("button", name="Log in").click()
    return page


def upload(page: Page, name: str, content: str) -> None:
    page.goto("/admin/import")
    page.get_by_label("CSV file").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content.encode()}
    )
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="Import preview")).to_be_visible()


class TestAdmin:
    def test_the_import_preview_lists_problems_then_imports_a_good_file(
        self, desktop: BrowserContext, live: LiveServer
    ) -> None:
        page = admin_logs_in(desktop, live, "/admin/import")
        expect(page.get_by_role("heading", name="Import from CSV", level=1)).to_be_visible()
        assert_accessible(page)
        upload(page, "bad.csv", BAD_CSV)
        expect(page.get_by_role("cell", name="This number is in the file twice.")).to_be_visible()
        expect(page.get_by_text("The file has 2 problems.")).to_be_visible()
        expect(page.get_by_role("button", name="Confirm the import")).to_have_count(0)
        assert_accessible(page)

        upload(page, "good.csv", GOOD_CSV)
        expect(page.get_by_role("cell", name="Gül Yıldız")).to_be_visible()
        assert_accessible(page)
        page.get_by_role("button", name="Confirm the import").click()
        expect(page.get_by_text("The import is done: 2 created")).to_be_visible()
        assert_accessible(page)

    def test_find_correct_and_deactivate_a_user(
        self, desktop: BrowserContext, live: LiveServer
    ) -> None:
        page = admin_logs_in(desktop, live, "/admin/users")
        expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
        assert_accessible(page)
        screenshot(page, "admin-users")
        page.get_by_label("Number or name").fill("sahin")
        page.get_by_role("button", name="Search").click()
        expect(page.get_by_text("1 user found.")).to_be_visible()
        expect(page.get_by_role("cell", name="Elif Şahin")).to_be_visible()

        upload(page, "one.csv", "b3010,Ali Veli,student\n")
        page.get_by_role("button", name="Confirm the import").click()
        page.get_by_role("link", name="b3010").click()
        page.get_by_label("Full name").fill("Ali Veli Can")
        page.get_by_role("button", name="Save changes").click()
        expect(page.get_by_text("The changes were saved.")).to_be_visible()
        assert_accessible(page)
        page.get_by_role("link", name="Deactivate…").click()
        expect(page.get_by_role("heading", name="Deactivate Ali Veli Can?")).to_be_visible()
        assert_accessible(page)
        page.get_by_role("button", name="Yes, deactivate").click()
        expect(page.get_by_text("The user was deactivated.")).to_be_visible()
        expect(page.get_by_role("button", name="Reactivate")).to_be_visible()

    def test_the_audit_log_filtered_by_who_acted(
        self, desktop: BrowserContext, live: LiveServer
    ) -> None:
        page = admin_logs_in(desktop, live, "/admin/users/new")
        page.get_by_label("School number").fill("b3020")
        page.get_by_label("Full name").fill("Canan Ateş")
        page.get_by_label("Role").select_option(label="Teacher")
        page.get_by_role("button", name="Create the user").click()
        expect(page.get_by_text("The user was created.")).to_be_visible()
        page.get_by_role("link", name="Audit log").click()
        page.get_by_label("Changed by (school number)").fill(live.admin.number)
        page.get_by_role("button", name="Show entries").click()
        expect(page.get_by_role("cell", name="User created").first).to_be_visible()
        assert_accessible(page)
        screenshot(page, "admin-audit")

    def test_every_admin_page_on_a_phone(self, phone: BrowserContext, live: LiveServer) -> None:
        page = admin_logs_in(phone, live)
        for path, heading in [
            ("/admin", "Welcome, Deniz Aksoy"),
            ("/admin/users", "Users"),
            ("/admin/users/new", "Add a user"),
            (f"/admin/users/{live.teacher.number}", live.teacher.full_name),
            ("/admin/import", "Import from CSV"),
            ("/admin/audit", "Audit log"),
        ]:
            page.goto(path)
            expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
            assert_accessible(page)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 390, f"{path} scrolls sideways on a phone ({width} px)"
