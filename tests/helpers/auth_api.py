"""Logging in through the API, and clients that connect from a chosen address."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from tests.fixtures.app import DEFAULT_PASSWORD

LOGIN = "/api/v1/auth/login"


async def login(api: httpx.AsyncClient, number: str, password: str = DEFAULT_PASSWORD) -> Any:
    return await api.post(LOGIN, json={"user_number": number, "password": password})


@asynccontextmanager
async def client_from(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose connection comes from ``address``."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
