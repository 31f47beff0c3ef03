"""Fixtures of the browser tests: a live server, one Chromium, a desktop and a phone.

They skip (with how to get them) when Debian's Chromium or Playwright is missing; nothing
here imports Playwright before that check.
"""

from __future__ import annotations

import contextlib
import os
from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.browser import CHROMIUM, HOW_TO_GET, NO_PLAYWRIGHT
from tests.browser.live import LiveServer, live_server, log_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Playwright, ViewportSize

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
TIMEOUT_MS = 15_000
"""Every wait of Playwright's (actions 30 s by default, expect 5 s): long enough for a busy
two-core machine, short enough that a broken page fails soon."""
LOCALE = "en-GB"
"""The language the tests read the pages in (labels, buttons, messages)."""


@pytest.fixture(scope="package")
def live(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(redis_url, tmp_path_factory.mktemp("browser") / "data") as server:
        yield server


@pytest.fixture(scope="package")
def teacher_api(live: LiveServer) -> Iterator[httpx.Client]:
    """The teacher's JSON API client (bearer token), as the projector app would use it."""
    token = log_in(live.base_url, live.teacher)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=live.base_url + "/api/v1", headers=headers) as client:
        yield client


@pytest.fixture(scope="package", autouse=True)
def playwright() -> Iterator[Playwright]:
    """First of all (autouse): the skip without Chromium or Playwright, before a server
    starts. Package scope, not session: while Playwright's sync API is open its event loop counts
    as running, and pytest-asyncio could run no async test after the browser tests."""
    if not CHROMIUM.exists():
        pytest.skip(f"{HOW_TO_GET}; {CHROMIUM} is missing")
    sync_api = pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)
    sync_api.expect.set_options(timeout=TIMEOUT_MS)
    with sync_api.sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One Chromium for all browser tests; each test opens its own contexts (fresh cookies)."""
    args = ["--no-sandbox"] if os.geteuid() == 0 else []  # Chromium refuses root otherwise
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
    yield chromium
    chromium.close()


@contextlib.contextmanager
def browser_context(
    browser: Browser, live: LiveServer, *, phone: bool, scripts: bool = True, locale: str = LOCALE
) -> Iterator[BrowserContext]:
    """A fresh browser (no cookies) on ``live``: a phone or a laptop, in ``locale``."""
    context = browser.new_context(
        base_url=live.base_url,
        locale=locale,
        viewport=PHONE if phone else DESKTOP,
        device_scale_factor=2 if phone else 1,
        is_mobile=phone,
        has_touch=phone,
        java_script_enabled=scripts,
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def desktop(browser: Browser, live: LiveServer) -> Iterator[BrowserContext]:
    """A laptop, or the classroom PC driving the projector."""
    with browser_context(browser, live, phone=False) as context:
        yield context


@pytest.fixture
def phone(browser: Browser, live: LiveServer) -> Iterator[BrowserContext]:
    """A student's phone: 390×844 CSS pixels, touch, mobile viewport rules."""
    with browser_context(browser, live, phone=True) as context:
        yield context


@pytest.fixture
def phone_without_scripts(browser: Browser, live: LiveServer) -> Iterator[BrowserContext]:
    """A student's phone whose browser runs no page script (turned off, or it failed)."""
    with browser_context(browser, live, phone=True, scripts=False) as context:
        yield context


_seconds: dict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Adds up each browser test's setup, call and teardown for the summary below."""
    _seconds[report.nodeid] += report.duration


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _seconds:
        return
    terminalreporter.write_sep("-", f"browser tests: {sum(_seconds.values()):.1f} s")
    for nodeid, seconds in sorted(_seconds.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f"{seconds:6.1f} s  {nodeid}")
