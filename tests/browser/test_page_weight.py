"""What a student's phone downloads: the check-in page with everything it loads is at most
30 kB uncompressed, and no page asks anything of a server other than ATTN.

Counted in the browser itself (every response the page caused, its body's bytes), so a
new font, image or script cannot slip past the count.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.browser import NO_PLAYWRIGHT

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)

from playwright.sync_api import BrowserContext, Page, Response, expect

from tests.browser.live import LiveServer

pytestmark = pytest.mark.browser

CHECK_IN_PAGE_BUDGET = 30 * 1024


@pytest.fixture
def open_attendance(teacher_api: httpx.Client) -> Iterator[str]:
    body = {"lesson_name": "Ağırlık", "duration_minutes": 30, "checks": {"code": True}}
    response = teacher_api.post("/attendances", json=body)
    assert response.status_code == 201, response.text
    started: str = response.json()["attendance_id"]
    yield started
    teacher_api.post(f"/attendances/{started}/finish")


def loaded(page: Page, path: str) -> list[Response]:
    """Every response the page caused while loading ``path`` and settling."""
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))
    page.goto(path, wait_until="networkidle")
    return responses


def test_the_check_in_page_with_all_it_loads_is_at_most_30_kb(
    live: LiveServer, phone: BrowserContext, open_attendance: str
) -> None:
    page = phone.new_page()
    responses = loaded(page, f"/check-in/{open_attendance}?code=ABC123")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ağırlık")
    sizes = {r.url: len(r.body()) for r in responses if r.request.method == "GET"}
    total = sum(sizes.values())
    assert total <= CHECK_IN_PAGE_BUDGET, f"{total} bytes: {sizes}"
    assert any(url.endswith(".js") for url in sizes), "the page's script was counted"


@pytest.mark.parametrize("path", ["/", "/login", "/check-in/{aid}"])
def test_no_page_asks_a_server_other_than_attn(
    live: LiveServer, phone: BrowserContext, open_attendance: str, path: str
) -> None:
    page = phone.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(path.format(aid=open_attendance), wait_until="networkidle")
    foreign = [url for url in requested if not url.startswith(live.base_url)]
    assert requested
    assert not foreign, foreign
