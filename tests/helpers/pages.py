"""Playing the pages as a browser does: a login through the form, the CSRF token read off
a page, same-origin form posts, and the text of a page's main landmark."""

from __future__ import annotations

import html
import re

import httpx

from tests.fixtures.app import Account

SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}
CROSS_SITE = {"Sec-Fetch-Site": "cross-site"}


async def page_login(api: httpx.AsyncClient, account: Account) -> None:
    """Log ``account`` in through the login form (the session cookie stays on ``api``)."""
    data = {"user_number": account.user_number, "password": account.password}
    response = await api.post("/login", data=data, headers=SAME_ORIGIN)
    assert response.status_code == 303, response.text


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
    assert found, "a logged-in page carries its CSRF token in its forms"
    return found.group(1)


async def post_form(
    api: httpx.AsyncClient, url: str, data: dict[str, str], *, token_from: str
) -> httpx.Response:
    """A same-origin post of ``data`` with the CSRF token of the page at ``token_from``."""
    page = await api.get(token_from)
    assert page.status_code == 200, page.text
    return await api.post(url, data={"csrf_token": csrf_of(page.text), **data}, headers=SAME_ORIGIN)


def main_text(page: str) -> str:
    """The visible words of ``<main>``, tags stripped and spaces collapsed."""
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main.split(">", 1)[1])).split())


def field_value(page: str, name: str) -> str | None:
    """The ``value`` of the input named ``name`` (None if there is none)."""
    found = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*\bvalue="([^"]*)"', page)
    return html.unescape(found.group(1)) if found else None
