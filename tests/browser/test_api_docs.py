"""/docs and /redoc work with no internet access: every request that is not to the ATTN
server is blocked, and Swagger UI still renders (and runs) the operations, ReDoc renders
and searches them, with no failed request and no error on the console (a CSP violation is
one)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.browser import NO_PLAYWRIGHT

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)

from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Request, Route, expect

from tests.browser.live import LiveServer
from tests.browser.screenshots import screenshot

pytestmark = pytest.mark.browser


@dataclass
class Offline:
    """A page on a network where only ATTN answers, and what went wrong on it."""

    page: Page
    outside: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.outside == [], "asked for something outside ATTN"
        assert self.failed == [], "requests failed"
        assert self.errors == [], "errors on the console"


@pytest.fixture
def offline(live: LiveServer, desktop: BrowserContext) -> Iterator[Offline]:
    page = desktop.new_page()
    watched = Offline(page)

    def only_attn(route: Route) -> None:
        if route.request.url.startswith(live.base_url + "/"):
            route.continue_()
        else:
            watched.outside.append(route.request.url)
            route.abort("internetdisconnected")

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watched.errors.append(message.text)

    def failed(request: Request) -> None:
        watched.failed.append(f"{request.url}: {request.failure}")

    desktop.route("**/*", only_attn)
    page.on("console", console)
    page.on("pageerror", lambda error: watched.errors.append(str(error)))
    page.on("requestfailed", failed)
    yield watched
    page.close()


def test_swagger_ui_renders_and_runs_the_operations_offline(offline: Offline) -> None:
    page = offline.page
    page.goto("/docs")
    expect(page.get_by_role("heading", name=re.compile(r"^ATTN"))).to_be_visible()
    login = page.locator(".opblock-summary", has_text="/api/v1/auth/login")
    expect(login.first).to_be_visible()
    assert page.locator(".opblock").count() >= 30  # every operation, not a blank page
    health = page.locator(
        ".opblock", has=page.locator(".opblock-summary-path", has_text=re.compile(r"^/health$"))
    )
    health.locator(".opblock-summary").click()
    health.get_by_role("button", name="Try it out").click()
    health.get_by_role("button", name="Execute").click()
    answer = health.locator(".live-responses-table tr.response")  # fetched by the page itself
    expect(answer.locator(".response-col_status")).to_have_text("200")
    expect(answer.locator(".response-col_description")).to_contain_text('"status": "ok"')
    answer.scroll_into_view_if_needed()
    screenshot(page, "api-docs-swagger", full_page=False)
    offline.assert_clean()


def test_redoc_renders_and_searches_offline(offline: Offline) -> None:
    page = offline.page
    page.goto("/redoc")
    expect(page.get_by_role("heading", name=re.compile(r"^ATTN"), level=1)).to_be_visible()
    operation = page.get_by_role("heading", name=re.compile(r"operation.* Check In$"), level=2)
    expect(operation).to_be_visible()
    page.get_by_role("textbox", name="Search").fill("check-in")  # the index: in a worker
    expect(page.get_by_role("search").get_by_role("menuitem", name="Check In")).to_be_visible()
    screenshot(page, "api-docs-redoc", full_page=False)
    offline.assert_clean()
