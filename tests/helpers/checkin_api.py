"""Helpers of the check-in security API tests: start with checks, check in with a code, a
device id and a photo, read the teacher's code, talk from other client addresses."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from attn.clock import FrozenClock
from tests.fixtures.app import Account
from tests.helpers.attendance_api import iso, minutes_ago, start, url

PHONE = "phone-0000-0001"
OTHER_PHONE = "phone-0000-0002"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def start_checked(
    api: httpx.AsyncClient, teacher: Account, checks: dict[str, Any], **body: Any
) -> dict[str, Any]:
    """Start an attendance with ``checks`` that began five minutes ago (so a frozen clock
    moved back to a code step boundary is still inside it)."""
    body.setdefault("starts_at", iso(minutes_ago(5)))
    return await start(api, teacher, checks=checks, **body)


async def check_in(
    api: httpx.AsyncClient,
    student: Account,
    attendance_id: Any,
    *,
    code: str | None = None,
    device: str | None = None,
    photo: bytes | None = None,
    photo_type: str = "image/jpeg",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST the check-in: no body, JSON ``{"code"}``, or multipart when there is a photo."""
    sent = {**student.headers, **(headers or {})}
    if device is not None:
        sent["X-Device-Id"] = device
    target = url(attendance_id, "check-in")
    if photo is not None:
        data = {} if code is None else {"code": code}
        files = {"photo": ("me.jpg", photo, photo_type)}
        return await api.post(target, data=data, files=files, headers=sent)
    if code is not None:
        return await api.post(target, json={"code": code}, headers=sent)
    return await api.post(target, headers=sent)


async def current_code(api: httpx.AsyncClient, teacher: Account, attendance_id: Any) -> str:
    response = await api.get(url(attendance_id, "code"), headers=teacher.headers)
    assert response.status_code == 200, response.text
    code: str = response.json()["code"]
    return code


def wrong(code: str) -> str:
    """A well-formed code that is not ``code``."""
    return ("2" if code[0] != "2" else "3") + code[1:]


def to_step_start(clock: FrozenClock, step_seconds: int, into: float = 1.0) -> datetime:
    """Move the clock back to ``into`` seconds after the start of its current code step."""
    now = clock.now().timestamp()
    clock.set(datetime.fromtimestamp(math.floor(now / step_seconds) * step_seconds + into, UTC))
    return clock.now()


@asynccontextmanager
async def client_at(app: FastAPI, host: str) -> AsyncIterator[httpx.AsyncClient]:
    """An API client whose connection comes from ``host`` (IPv4 or IPv6)."""
    transport = httpx.ASGITransport(app=app, client=(host, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
