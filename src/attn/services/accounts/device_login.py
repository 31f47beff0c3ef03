"""A password login on one device, as both the JSON API and the login page do it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from attn.config import Settings
from attn.db.redis_client import RedisClient
from attn.services.accounts import auth, remember


async def log_in(
    session: AsyncSession,
    redis: RedisClient,
    settings: Settings,
    user_number: str,
    password: str,
    client_address: str,
    device_id: str | None,
    now: datetime,
) -> auth.LoginResult:
    """Check the password (behind the login limits) and open a session; a student with a
    ``device_id`` also gets "remember this phone", one without has it forgotten."""
    result = await auth.attempt_login(
        session, redis, settings, user_number, password, client_address, now
    )
    return await remember.after_password_login(redis, settings, result, device_id, now)
