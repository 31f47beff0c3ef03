"""What the admin page tests share: an admin logged in through the login page, form posts
as a browser sends them (same origin, the page's CSRF token), and reading a page's text."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx

from attn.models import Role
from tests.fixtures.app import Account, MakeUser
from tests.web.test_auth_pages import SAME_ORIGIN, csrf_of, log_in


async def logged_in(
    api: httpx.AsyncClient, make_user: MakeUser, role: Role = Role.ADMIN
) -> Account:
    account = await make_user(role, number="A0001" if role is Role.ADMIN else None, login=False)
    response = await log_in(api, account)
    assert response.status_code == 303, response.text
    return account


async def post_form(
    api: httpx.AsyncClient,
    page: str,
    action: str,
    data: dict[str, str] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Open ``page``, take its CSRF token and post ``data`` to ``action`` as its form would."""
    opened = await api.get(page)
    assert opened.status_code == 200, opened.text
    form = {"csrf_token": csrf_of(opened.text), **(data or {})}
    return await api.post(action, data=form, headers=SAME_ORIGIN, **kwargs)


def main_text(response: httpx.Response) -> str:
    """The page's ``<main>`` as plain text (tags dropped, entities decoded, spaces joined)."""
    body = response.text.split("<main", 1)[1].split("</main>", 1)[0]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def input_value(response: httpx.Response, name: str) -> str | None:
    found = re.search(
        rf'<input id="{name}" name="{name}" type="[a-z]+" value="([^"]*)"', response.text
    )
    return None if found is None else html.unescape(found.group(1))
