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

from attn.config import Settings
from attn.db.redis_client import RedisClient
from attn.errors import RememberInvalid, RememberReplayed, RememberWrongDevice, Unauthorized
from attn.models import RememberedDeviceRedis, Role, UserRedis
from attn.models.redis import MAX_USED_HASHES
from attn.models.types import USER_NUMBER_PATTERN
from attn.services.accounts.auth import (
    TOKEN_SECRET_BYTES,
    LoginResult,
    hash_secret,
    new_session,
    session_ttl,
)
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
        full_name=result.session.full_name,
        family_id=family,
        device_id=device_id,
        secret_hash=hash_secret(secret),
        issued_at=now,
        expires_at=now + lifetime,
    )
    await redis.remember_device(device, int(lifetime.total_seconds()))
    return replace(result, remember=f"{user_number}.{family}.{secret}")


async def attempt_resume(
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
        return await resume(redis, settings, credential, device_id, now)
    except Unauthorized:
        limit = settings.rate_limit_per_address_per_minute
        await rate_limit.enforce(redis, rate_limit.LOGIN_ADDRESS, client_address, limit)
        raise


async def resume(
    redis: RedisClient,
    settings: Settings,
    credential: str | None,
    device_id: str | None,
    now: datetime,
) -> LoginResult:
    """A new login session from a remembered phone, and the rotated credential.

    Redis alone: the credential carries the student's name (only students are
    remembered), and checking it, rotating it and opening the session is one
    compare-and-set (:meth:`RedisClient.resume_remembered`), re-checked on whatever
    changed it meanwhile: of two uses of one secret at once, the second is a replay."""
    user_number, family, secret = _parse(credential)
    presented = hash_secret(secret)
    new_secret = secrets.token_urlsafe(TOKEN_SECRET_BYTES)
    opened: list[LoginResult] = []

    def rotate(stored: RememberedDeviceRedis | None) -> tuple[RememberedDeviceRedis, UserRedis]:
        checked = _checked(stored, family, presented, device_id, now)
        rotated = checked.model_copy(
            update={
                "secret_hash": hash_secret(new_secret),
                "used_hashes": [checked.secret_hash, *checked.used_hashes][:MAX_USED_HASHES],
            }
        )
        opened[:] = [new_session(settings, user_number, checked.full_name, Role.STUDENT, now)]
        return rotated, opened[0].session

    try:
        with translated():
            await redis.resume_remembered(
                user_number,
                rotate,
                session_ttl(settings, Role.STUDENT),
                keep=settings.max_sessions(Role.STUDENT) - 1,
            )
    except _Copy:
        raise await _revoked(redis, user_number) from None
    return replace(opened[0], remember=f"{user_number}.{family}.{new_secret}")


class _Copy(Exception):
    """The presented secret was rotated out already: it is a copy."""


def _checked(
    stored: RememberedDeviceRedis | None,
    family: str,
    presented: str,
    device_id: str | None,
    now: datetime,
) -> RememberedDeviceRedis:
    """The stored credential if the presented one matches it; refusals change nothing, but
    a secret already rotated out is a copy (:class:`_Copy`)."""
    if stored is None or stored.family_id != family or now >= stored.expires_at:
        raise RememberInvalid("this phone is not remembered (any more); log in with your password")
    if presented in stored.used_hashes:
        raise _Copy
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
