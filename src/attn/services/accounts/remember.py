""" "Remember this phone": a student's long-lived, rotating device credential.

A student who ticks it at login (from a device with an ``X-Device-Id``) gets a credential
``<user_number>.<family>.<secret>`` in an HttpOnly cookie. When the short login session
has expired, :func:`resume` opens a new one without a password, so most students never
type one in class. Redis keeps only the SHA-256 of the secret (``RememberedDeviceRedis``),
one credential per student, bound to the device id the device check uses.

Every use rotates the secret (refresh-token rotation): the cookie the phone got back
replaces the old one, whose hash is kept as used. A used secret presented again is a copy
(a stolen cookie, or the phone's own after the thief's use): the whole chain is revoked
and the student's sessions end, so neither copy works any more. It is also revoked by
logout, a new password or role, an admin ending the user's sessions, and a password
login on another phone (the one-phone rule). Forged, foreign-device and revoked
credentials are refused (401) and change nothing.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from attn.config import Settings
from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.errors import RememberInvalid, RememberReplayed, RememberWrongDevice, Unauthorized
from attn.models import RememberedDeviceRedis, Role
from attn.models.redis import MAX_USED_HASHES
from attn.models.types import USER_NUMBER_PATTERN
from attn.services.accounts.auth import TOKEN_SECRET_BYTES, LoginResult, hash_secret, open_session
from attn.services.outcomes import translated
from attn.services.security import rate_limit

REMEMBER_COOKIE = "attn_remember"
_USER_NUMBER_RE = re.compile(USER_NUMBER_PATTERN)
_FAMILY_RE = re.compile(r"[0-9a-f]{32}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{16,100}")


async def after_password_login(
    redis: RedisClient,
    settings: Settings,
    result: LoginResult,
    device_id: str | None,
    now: datetime,
) -> LoginResult:
    """A student's password login: remember this phone when asked (``device_id`` given),
    else forget any remembered phone (a login on another phone revokes it). Staff are not
    remembered: their sessions are per device already."""
    user_number = result.session.user_number
    if result.session.role is not Role.STUDENT:
        return result
    if device_id is None:
        await redis.forget_device(user_number)
        return result
    family = secrets.token_hex(16)
    secret = secrets.token_urlsafe(TOKEN_SECRET_BYTES)
    lifetime = timedelta(days=settings.remember_days)
    device = RememberedDeviceRedis(
        user_number=user_number,
        family_id=family,
        device_id=device_id,
        secret_hash=hash_secret(secret),
        issued_at=now,
        expires_at=now + lifetime,
    )
    await redis.remember_device(device, int(lifetime.total_seconds()))
    return replace(result, remember=f"{user_number}.{family}.{secret}")


async def attempt_resume(
    session: AsyncSession,
    redis: RedisClient,
    settings: Settings,
    credential: str | None,
    device_id: str | None,
    client_address: str,
    now: datetime,
) -> LoginResult:
    """:func:`resume`, with a refused credential counted against the client address as a
    failed login is (guessing credentials is guessing passwords)."""
    try:
        return await resume(session, redis, settings, credential, device_id, now)
    except Unauthorized:
        limit = settings.rate_limit_per_address_per_minute
        await rate_limit.enforce(redis, rate_limit.LOGIN_ADDRESS, client_address, limit)
        raise


async def resume(
    session: AsyncSession,
    redis: RedisClient,
    settings: Settings,
    credential: str | None,
    device_id: str | None,
    now: datetime,
) -> LoginResult:
    """A new login session from a remembered phone, and the rotated credential."""
    user_number, family, secret = _parse(credential)
    stored = await _checked(redis, user_number, family, hash_secret(secret), device_id, now)
    user = await repository.get_user(session, user_number)
    if user is None or user.role is not Role.STUDENT:
        await redis.forget_device(user_number)
        raise RememberInvalid("this phone is no longer remembered; log in with your password")
    new_secret = secrets.token_urlsafe(TOKEN_SECRET_BYTES)
    rotated = stored.model_copy(
        update={
            "secret_hash": hash_secret(new_secret),
            "used_hashes": [stored.secret_hash, *stored.used_hashes][:MAX_USED_HASHES],
        }
    )
    if not await redis.rotate_remembered_device(stored, rotated):
        raise await _revoked(redis, user_number)  # another use of this very secret won
    result = await open_session(redis, settings, user, now)
    return replace(result, remember=f"{user_number}.{family}.{new_secret}")


async def _checked(
    redis: RedisClient,
    user_number: str,
    family: str,
    presented: str,
    device_id: str | None,
    now: datetime,
) -> RememberedDeviceRedis:
    """The stored credential the presented one matches; refusals change nothing, but a
    secret already rotated out revokes the chain."""
    stored = await redis.remembered_device(user_number)
    if stored is None or stored.family_id != family or now >= stored.expires_at:
        raise RememberInvalid("this phone is not remembered (any more); log in with your password")
    if presented in stored.used_hashes:
        raise await _revoked(redis, user_number)
    if not hmac.compare_digest(presented, stored.secret_hash):
        raise RememberInvalid("this remember credential is not valid; log in with your password")
    if device_id != stored.device_id:
        raise RememberWrongDevice("this remember credential belongs to another device")
    return stored


async def _revoked(redis: RedisClient, user_number: str) -> RememberReplayed:
    """Revoke the whole chain and end the student's sessions: a copy is in other hands."""
    await redis.forget_device(user_number)
    with translated():
        await redis.end_user_sessions(user_number)
    return RememberReplayed(
        "this remember credential was already used: the phone is forgotten and its sessions "
        "ended; log in with your password"
    )


def _parse(credential: str | None) -> tuple[str, str, str]:
    """``(user_number, family, secret)``, each checked before it names a Redis key."""
    parts = (credential or "").rsplit(".", 2)
    if (
        len(parts) != 3
        or not _USER_NUMBER_RE.match(parts[0])
        or not _FAMILY_RE.fullmatch(parts[1])
        or not _SECRET_RE.fullmatch(parts[2])
    ):
        raise RememberInvalid("no valid remember credential; log in with your password")
    return parts[0], parts[1], parts[2]
