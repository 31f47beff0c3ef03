"""A whole lesson in Chromium, in English and once in Turkish, every step through the pages.

The teacher logs in on the classroom PC, starts an attendance and opens the projector; the
test reads the QR code off the screen, as the students' phones would; three students follow
it on their phones and log in, two check in with the scanned code and one types a wrong
code. The teacher's phone, a second browser, shows them arrive without a reload; there the
teacher rejects one and accepts the refused one; each student sees the outcome after a
reload; the teacher finishes. Once the server's persistence job has stored it, the past
attendance page shows the same statuses and its CSV export downloads and parses. axe checks
every page on the way. The words the test looks for come from the language's catalog, so
one flow reads the pages in either language.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import httpx
import pytest

from tests.browser import NO_PLAYWRIGHT

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)

from playwright.sync_api import Browser, BrowserContext, Page, expect

from attn.web.i18n import translations
from tests.browser.axe import assert_accessible
from tests.browser.conftest import browser_context
from tests.browser.live import LiveServer, Person
from tests.browser.qr import decode_qr
from tests.browser.screenshots import screenshot
from tests.browser.teacher import finish_if_open, wait_until_stored

pytestmark = pytest.mark.browser

Words = Callable[[str], str]
LESSONS = {"en": "Mikroişlemciler", "tr": "Sayısal Tasarım"}
BROWSER_LOCALES = {"en": "en-GB", "tr": "tr-TR"}
APPEARS_WITHIN_MS = 1000


@pytest.fixture(params=["en", "tr"])
def language(request: pytest.FixtureRequest) -> str:
    chosen: str = request.param
    return chosen


@pytest.fixture
def browsers(browser: Browser, live: LiveServer, language: str) -> Iterator[Callable[..., Page]]:
    """Opens a page in a fresh browser (own cookies) reading ``language``: a laptop, or a
    phone with ``phone=True``; all closed at the end of the test."""
    with ExitStack() as opened:

        def new_page(*, phone: bool = False) -> Page:
            locale = BROWSER_LOCALES[language]
            context: BrowserContext = opened.enter_context(
                browser_context(browser, live, phone=phone, locale=locale)
            )
            return context.new_page()

        yield new_page


def test_a_whole_lesson(
    live: LiveServer,
    teacher_api: httpx.Client,
    browsers: Callable[..., Page],
    language: str,
) -> None:
    _ = translations(language).gettext
    lesson = LESSONS[language]
    can, elif_, mert = live.students[:3]

    projector = browsers()
    log_in(projector, live.teacher, _)
    expect(projector.get_by_role("heading", level=1)).to_have_text(_("My attendances"))
    attendance_id = start_attendance(projector, lesson, _)
    try:
        link = read_the_projector(projector, live, attendance_id, lesson, _)

        live_list = browsers(phone=True)
        log_in(live_list, live.teacher, _)
        live_list.goto(f"/teacher/attendances/{attendance_id}/live")
        live_now = _("Live: new check-ins appear by themselves.")
        expect(live_list.get_by_text(live_now)).to_be_visible()
        live_list.evaluate("() => { window.attnNotReloaded = true; }")

        phones = {student.number: browsers(phone=True) for student in (can, elif_, mert)}
        for student in (can, elif_):
            check_in_from_the_qr_code(phones[student.number], link, student, _)
            expect(live_list.locator(f"#r-{student.number}")).to_be_visible(
                timeout=APPEARS_WITHIN_MS
            )
        check_in_with_a_wrong_code(phones[mert.number], attendance_id, mert, _)
        expect(live_list.locator(f"#r-{mert.number} .badge")).to_have_text(
            _("Rejected"), timeout=APPEARS_WITHIN_MS
        )
        expect(live_list.locator('[data-count="total"]')).to_have_text("3")
        expect(live_list.locator('[data-count="present"]')).to_have_text("2")
        assert_accessible(live_list)

        decide(live_list, reject=can, accept=mert, _=_)
        assert live_list.evaluate("() => window.attnNotReloaded === true"), "no reload"
        expect(projector.locator("#count")).to_have_text("2")
        if language == "tr":  # the README shows the live list in Turkish too
            screenshot(live_list, "live-list-tr")

        sees_the_outcome(phones[can.number], _("Your teacher rejected this check-in."))
        expect(phones[can.number].get_by_role("status")).to_contain_text(
            _("Reason: %(reason)s") % {"reason": _("Not in the classroom")}
        )
        sees_the_outcome(phones[mert.number], _("You are checked in: present."))
        sees_the_outcome(phones[elif_.number], _("You are checked in: present."))

        finish(live_list, lesson, _)
        expect(projector.get_by_text(_("Check-in is closed."))).to_be_visible()
    finally:
        finish_if_open(teacher_api, attendance_id)

    expected = {can.number: "rejected", elif_.number: "present", mert.number: "present"}
    wait_until_stored(teacher_api, attendance_id)
    past = live_list
    past.reload()
    check_the_past_attendance(past, lesson, expected, live, _)
    assert exported_statuses(past, _) == expected


def log_in(page: Page, person: Person, _: Words) -> None:
    page.goto("/login")
    assert_accessible(page)
    page.get_by_label(_("School number")).fill(person.number)
    page.get_by_label(_("Password"), exact=True).fill(person.password)
    page.get_by_role("button", name=_("Log in")).click()
    expect(page.get_by_role("button", name=_("Log in"))).to_have_count(0)


def start_attendance(page: Page, lesson: str, _: Words) -> str:
    """Starts ``lesson`` from the teacher's home with the code on (the default); its id."""
    page.get_by_label(starting(_("Lesson name"))).fill(lesson)
    page.get_by_label(starting(_("Duration in minutes"))).fill("45")
    expect(page.get_by_role("checkbox", name=_("Code on the screen"))).to_be_checked()
    assert_accessible(page)
    page.get_by_role("button", name=_("Start and open the projector")).click()
    page.wait_for_url(re.compile(r"/teacher/attendances/[0-9a-f-]{36}/projector$"))
    return page.url.rsplit("/", 2)[1]


def starting(label: str) -> re.Pattern[str]:
    """A field's label, which its hint follows ("Lesson name From your lessons"), and not
    another label that begins with the same words ("Lesson name search")."""
    return re.compile("^" + re.escape(label) + r"(?!\w)")


def read_the_projector(
    page: Page, live: LiveServer, attendance_id: str, lesson: str, _: Words
) -> str:
    """The check-in link in the projected QR code, which carries the code shown beside it."""
    expect(page.get_by_role("heading", level=1)).to_have_text(lesson)
    qr = page.get_by_role("img", name=_("QR code of the check-in link"))
    link = decode_qr(qr)
    code = page.locator("#code").inner_text()
    assert link == f"{live.base_url}/check-in/{attendance_id}?code={code}"
    expect(page.locator("#count")).to_have_text("0")
    assert_accessible(page)
    return link


def check_in_from_the_qr_code(page: Page, link: str, student: Person, _: Words) -> None:
    page.goto(link)
    log_in_on_the_check_in_page(page, student, _)
    expect(page.get_by_text(_("We kept the code you scanned."))).to_be_visible()
    page.get_by_role("button", name=_("Check in"), exact=True).tap()
    expect(page.get_by_role("status")).to_have_text(_("You are checked in: present."))
    assert_accessible(page)


def check_in_with_a_wrong_code(page: Page, attendance_id: str, student: Person, _: Words) -> None:
    """The student typed the address and then a code that was never on the screen."""
    page.goto(f"/check-in/{attendance_id}")
    log_in_on_the_check_in_page(page, student, _)
    page.get_by_label(_("Code on the teacher's screen")).fill("222222")
    page.get_by_role("button", name=_("Check in"), exact=True).tap()
    refused = _("Check-in refused: %(reason)s").partition("%(reason)s")[0]
    expect(page.get_by_role("status")).to_contain_text(refused)
    assert_accessible(page)


def log_in_on_the_check_in_page(page: Page, student: Person, _: Words) -> None:
    page.get_by_label(_("School number")).fill(student.number)
    page.get_by_label(_("Password"), exact=True).fill(student.password)
    page.get_by_role("button", name=_("Log in")).tap()
    logged_in = _("Logged in as %(name)s (%(number)s)")
    who = {"name": student.full_name, "number": student.number}
    expect(page.get_by_text(logged_in % who)).to_be_visible()


def decide(page: Page, *, reject: Person, accept: Person, _: Words) -> None:
    """One tap to accept the refused student; one to reject another, with a common reason."""
    page.get_by_role("button", name=f"{_('Accept')} {accept.full_name}").tap()
    expect(page.locator(f"#r-{accept.number} .badge")).to_have_text(_("Present"))

    page.get_by_role("button", name=f"{_('Reject')} {reject.full_name}").tap()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    assert_accessible(page)
    dialog.get_by_role("button", name=_("Not in the classroom")).tap()
    expect(dialog).to_be_hidden()
    expect(page.locator(f"#r-{reject.number} .badge")).to_have_text(_("Rejected"))
    expect(page.locator('[data-count="present"]')).to_have_text("2")
    expect(page.locator('[data-count="rejected"]')).to_have_text("1")


def sees_the_outcome(page: Page, outcome: str) -> None:
    """The student's check-in page after a reload tells what the teacher decided."""
    page.reload()
    expect(page.get_by_role("status")).to_contain_text(outcome)
    assert_accessible(page)


def finish(page: Page, lesson: str, _: Words) -> None:
    """Finish, confirmed on a page of its own; it leads to the past attendance page."""
    page.get_by_role("link", name=_("Finish attendance")).tap()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        _("Finish %(lesson)s now?") % {"lesson": lesson}
    )
    assert_accessible(page)
    page.get_by_role("button", name=_("Yes, finish now")).tap()
    page.wait_for_url(re.compile(r"/teacher/attendances/[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(lesson)


def check_the_past_attendance(
    page: Page, lesson: str, expected: dict[str, str], live: LiveServer, _: Words
) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(lesson)
    names = {student.number: student.full_name for student in live.students}
    words = {"present": _("Present"), "rejected": _("Rejected")}
    for number, status in expected.items():
        row = page.get_by_role("row", name=re.compile(re.escape(names[number])))
        expect(row.get_by_text(words[status], exact=True)).to_be_visible()
    assert_accessible(page)


def exported_statuses(page: Page, _: Words) -> dict[str, str]:
    """The CSV download's statuses by student number (UTF-8 with a byte order mark)."""
    with page.expect_download() as download:
        page.get_by_role("link", name=_("Download as CSV")).click()
    content = download.value.path().read_bytes()
    assert content.startswith(b"\xef\xbb\xbf"), "Excel needs the byte order mark"
    rows = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    return {row["student_number"]: row["status"] for row in rows}
