"""Helpers of the live list's and the projector's page tests: a browser's session cookie
for an account, the pages' paths, form posts as a same-site browser sends them."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from attn.api.cookies import SESSION_COOKIE
from tests.fixtures.app import Account

SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


def browse_as(api: httpx.AsyncClient, account: Account) -> None:
    """The browser of ``account``: its session in the cookie the login page sets."""
    api.cookies.clear()
    api.cookies.set(SESSION_COOKIE, account.token)


def live(attendance_id: object, *parts: str) -> str:
    return "/".join([f"/teacher/attendances/{attendance_id}/live", *parts])


def projector(attendance_id: object, *parts: str) -> str:
    return "/".join([f"/teacher/attendances/{attendance_id}/projector", *parts])


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert found, "a logged-in page carries its CSRF token in its forms"
    return found.group(1)


def script_data(html: str, element_id: str) -> dict[str, Any]:
    """The JSON a page hands its script (``<script type="application/json" id=...>``)."""
    found = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html)
    assert found, f"the page carries #{element_id}"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def main_of(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


async def post_form(
    api: httpx.AsyncClient, path: str, token: str | None, **fields: str
) -> httpx.Response:
    """A form post from a page of this site (with the page's CSRF token unless None)."""
    data = dict(fields) if token is None else {"csrf_token": token, **fields}
    return await api.post(path, data=data, headers=SAME_ORIGIN)
