"""Login sessions: opaque bearer tokens backed by ``UserRedis`` entries with a TTL per role.

A token is ``<user_number>.<secret>``; Redis keeps only the SHA-256 of the secret under the
user's one session key, so a new login replaces the old session and logout ends it at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from attn.config import Settings
from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.errors import Unauthorized
from attn.models import Role, UserRedis
from attn.models.types import utcnow
from attn.services.passwords import verify_password

TOKEN_SECRET_BYTES = 32


@dataclass(frozen=True)
class LoginResult:
    token: str
    session: UserRedis


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_token(token: str) -> tuple[str, str] | None:
    user_number, sep, secret = token.rpartition(".")
    if not sep or not user_number or len(secret) < 16 or len(token) > 200:
        return None
    return user_number, secret


async def login(
    session: AsyncSession,
    redis: RedisClient,
    settings: Settings,
    user_number: str,
    password: str,
    now: datetime | None = None,
) -> LoginResult:
    """Check the password and start a new session, replacing the user's previous one."""
    user = await repository.get_user(session, user_number)
    if user is None or not verify_password(user.password_hash, password):
        verify_password(None, password) if user is None else None
        raise Unauthorized("wrong user number or password", code="invalid_credentials")
    now = now or utcnow()
    secret = secrets.token_urlsafe(TOKEN_SECRET_BYTES)
    role = Role(user.role)
    ttl = settings.session_ttl(role)
    user_session = UserRedis(
        user_number=user.user_number,
        full_name=user.full_name,
        role=role,
        token_hash=hash_secret(secret),
        issued_at=now,
        expires_at=now + timedelta(seconds=ttl),
    )
    await redis.save_user_session(user_session, ttl)
    return LoginResult(token=f"{user.user_number}.{secret}", session=user_session)


async def authenticate(
    redis: RedisClient, settings: Settings, token: str, now: datetime | None = None
) -> UserRedis:
    """The session of a bearer token, refreshed (sliding TTL, capped by the absolute maximum)."""
    parts = split_token(token)
    if parts is None:
        raise Unauthorized("malformed token", code="invalid_token")
    user_number, secret = parts
    user_session = await redis.get_user_session(user_number)
    if user_session is None or not hmac.compare_digest(
        user_session.token_hash, hash_secret(secret)
    ):
        raise Unauthorized("session expired or logged out", code="invalid_token")
    now = now or utcnow()
    return await _refresh(redis, settings, user_session, now)


async def _refresh(
    redis: RedisClient, settings: Settings, user_session: UserRedis, now: datetime
) -> UserRedis:
    """Extend the TTL once half of it is used, never past ``issued_at + session_max_age``."""
    role_ttl = settings.session_ttl(user_session.role)
    remaining = (user_session.expires_at - now).total_seconds()
    if remaining > role_ttl / 2:
        return user_session
    hard_end = user_session.issued_at + timedelta(seconds=settings.session_max_age)
    new_end = min(now + timedelta(seconds=role_ttl), hard_end)
    ttl = int((new_end - now).total_seconds())
    if ttl <= 0:
        await redis.delete_user_session(user_session.user_number)
        raise Unauthorized("session reached its maximum age; log in again", code="invalid_token")
    refreshed = user_session.model_copy(update={"expires_at": new_end})
    if not await redis.refresh_user_session(refreshed, ttl):
        raise Unauthorized("session expired or logged out", code="invalid_token")
    return refreshed


async def logout(redis: RedisClient, user_session: UserRedis) -> None:
    await redis.delete_user_session(user_session.user_number)
