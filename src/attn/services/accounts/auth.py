"""Login sessions: opaque bearer tokens backed by ``UserRedis`` entries with a TTL per role.

A token is ``<user_number>.<secret>``; Redis keeps only the SHA-256 of the secret, in a
session key named by that hash, so each login (each device) is a session of its own and
logout ends it at once. A student holds one session (a login on another phone ends the
old one); a teacher or admin up to ``settings.max_sessions_staff`` (the oldest ends first).
(A plain SHA-256 is enough: the secret is 256 random bits, not a guessable password.)

Each authenticated request slides the session's end to ``now + role TTL``, never past
``issued_at + session_max_age``. To keep the check-in hot path at one Redis read per
request, the write is skipped while the end would move by less than :func:`refresh_step`;
the idle timeout is therefore at least ``TTL - step`` (e.g. 540 s of the student's 600 s).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from attn.config import Settings
from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.errors import CsrfFailed, InvalidCredentials, InvalidToken, RateLimited, Unauthorized
from attn.models import Role, UserRedis
from attn.models.api_users import StoredUser
from attn.models.types import USER_NUMBER_PATTERN
from attn.services import metrics
from attn.services.accounts.passwords import check_password, login_gate, store_new_hash
from attn.services.outcomes import translated
from attn.services.security import rate_limit

TOKEN_SECRET_BYTES = 32
MAX_TOKEN_LENGTH = 200
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{16,}$")
_USER_NUMBER_RE = re.compile(USER_NUMBER_PATTERN)
log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
"""Methods a cookie-authenticated request may use without the CSRF header."""


@dataclass(frozen=True)
class LoginResult:
    token: str
    session: UserRedis
    remember: str | None = None
    """A new "remember this phone" credential for the cookie, when one was issued."""


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_token(token: str) -> tuple[str, str] | None:
    """``(user_number, secret)``, or None unless both parts have their exact shapes.

    The user number is checked before it is used in a Redis key name, so a crafted token
    cannot address another key (a ``}`` or ``:`` in it, say).
    """
    if len(token) > MAX_TOKEN_LENGTH:
        return None
    user_number, sep, secret = token.rpartition(".")
    if not sep or not _USER_NUMBER_RE.match(user_number) or not _SECRET_RE.match(secret):
        return None
    return user_number, secret


def session_ttl(settings: Settings, role: Role) -> int:
    """The role's TTL, but a fresh login never outlives the absolute maximum either."""
    return min(settings.session_ttl(role), settings.session_max_age)


def refresh_step(role_ttl: int) -> float:
    """Sliding the end by less than this is not worth a Redis write (10% of the TTL, ≤ 60 s)."""
    return min(60.0, role_ttl / 10)


async def login(
    session: AsyncSession,
    redis: RedisClient,
    settings: Settings,
    user_number: str,
    password: str,
    now: datetime,
) -> LoginResult:
    """Check the password and open a session on this device (a student's other one ends).

    Argon2 is slow by design (docs/performance.md#password-hashing), so it runs in the
    process's hashing threads (:mod:`attn.services.accounts.passwords`): on the event loop it
    would stall every other request of the process for that long. An unknown user (or one
    without a password) costs the same verification, and a deactivated one is refused only
    after it, so timing does not tell them apart.
    """
    async with login_gate(settings):  # a hall waits for Argon2 here, not holding a connection
        user = await repository.get_user(session, user_number)
        verdict = await check_password(settings, user.password_hash if user else None, password)
    if user is None or not verdict.matches or not user.active:
        # A deactivated account is refused like a wrong password, after the same work.
        raise InvalidCredentials("wrong user number or password")
    await store_new_hash(session, user.user_number, verdict, now)  # in the login's transaction
    return await open_session(redis, settings, user, now)


async def open_session(
    redis: RedisClient, settings: Settings, user: StoredUser, now: datetime
) -> LoginResult:
    """A new session for ``user`` whose password was checked, ending its oldest sessions
    beyond the role's limit (a student's other phone)."""
    role = Role(user.role)
    result = new_session(settings, user.user_number, user.full_name, role, now)
    with translated():
        await redis.open_user_session(
            result.session,
            session_ttl(settings, role),
            keep=settings.max_sessions(role) - 1,
        )
    return result


def new_session(
    settings: Settings, user_number: str, full_name: str, role: Role, now: datetime
) -> LoginResult:
    """A new login's token and session, not stored yet (:func:`open_session`, or a
    remembered phone's resume)."""
    secret = secrets.token_urlsafe(TOKEN_SECRET_BYTES)
    user_session = UserRedis(
        user_number=user_number,
        full_name=full_name,
        role=role,
        token_hash=hash_secret(secret),
        issued_at=now,
        expires_at=now + timedelta(seconds=session_ttl(settings, role)),
    )
    return LoginResult(token=f"{user_number}.{secret}", session=user_session)


async def attempt_login(
    session: AsyncSession,
    redis: RedisClient,
    settings: Settings,
    user_number: str,
    password: str,
    client_address: str,
    now: datetime,
) -> LoginResult:
    """:func:`login` behind limits on failed attempts: per client address, per user number
    from that address, and (higher) per user number from all addresses.

    The attempt is counted before the password is checked, atomically per counter, so
    concurrent guesses cannot slip past a limit together; a right password gives the count
    back. So nobody is held back by the failures of others: a guesser locks out only their
    own address, unless guessing from enough addresses to meet the per-user ceiling. An
    attempt refused by one limit counts against none.
    """
    try:
        ticket = await rate_limit.take(redis, _login_limits(settings, user_number, client_address))
    except RateLimited:
        _failed_login("rate_limited", user_number, client_address)
        raise
    except Exception:
        metrics.count_login("error")
        raise
    try:
        result = await login(session, redis, settings, user_number, password, now)
    except Unauthorized:
        _failed_login("invalid_credentials", user_number, client_address)
        raise  # a failed attempt: it stays counted
    except Exception:
        metrics.count_login("error")
        await redis.give_back_rate_limits(ticket)  # no verdict on the password
        raise
    await redis.give_back_rate_limits(ticket)
    metrics.count_login("success")
    return result


def _failed_login(outcome: str, user_number: str, client_address: str) -> None:
    """Count and log a refused login: the user number tried, never the password."""
    metrics.count_login(outcome)
    log.info("login refused: user=%s address=%s outcome=%s", user_number, client_address, outcome)


def _login_limits(
    settings: Settings, user_number: str, client_address: str
) -> list[rate_limit.Limit]:
    """The counters a login attempt takes, in the order :func:`rate_limit.take` checks them."""
    return [
        (
            rate_limit.LOGIN_ADDRESS,
            client_address,
            settings.rate_limit_per_address_per_minute,
        ),
        (
            rate_limit.LOGIN_USER_ADDRESS,
            f"{user_number} {client_address}",  # no space in a user number
            settings.rate_limit_login_per_user_address_per_minute,
        ),
        (rate_limit.LOGIN_USER, user_number, settings.rate_limit_login_per_minute),
    ]


async def authenticate(
    redis: RedisClient, settings: Settings, token: str, now: datetime
) -> UserRedis:
    """The session of a bearer token, refreshed (sliding TTL, capped by the absolute maximum)."""
    user_number, secret = parse_token(token)
    token_hash = hash_secret(secret)
    user_session = await redis.get_user_session(user_number, token_hash)
    return await accept_session(redis, settings, user_session, token_hash, now)


def parse_token(token: str) -> tuple[str, str]:
    """``(user_number, secret)`` of a well-formed token; 401 ``invalid_token`` otherwise."""
    parts = split_token(token)
    if parts is None:
        raise InvalidToken("malformed token")
    return parts


async def accept_session(
    redis: RedisClient,
    settings: Settings,
    user_session: UserRedis | None,
    token_hash: str,
    now: datetime,
) -> UserRedis:
    """``user_session`` if it was issued for the token of ``token_hash`` (:func:`hash_secret`
    of its secret), refreshed; 401 otherwise."""
    if user_session is None or not hmac.compare_digest(user_session.token_hash, token_hash):
        raise InvalidToken("session expired or logged out")
    return await _refresh(redis, settings, user_session, now)


async def _refresh(
    redis: RedisClient, settings: Settings, user_session: UserRedis, now: datetime
) -> UserRedis:
    """Slide the end to ``now + TTL``, capped at ``issued_at + session_max_age``.

    Nothing is deleted when the cap is reached: the key's own TTL never runs past the cap,
    and deleting here could remove a newer login that replaced this one meanwhile.
    """
    hard_end = user_session.issued_at + timedelta(seconds=settings.session_max_age)
    if now >= hard_end:
        raise InvalidToken("session reached its maximum age; log in again")
    role_ttl = settings.session_ttl(user_session.role)
    new_end = min(now + timedelta(seconds=role_ttl), hard_end)
    gained = (new_end - user_session.expires_at).total_seconds()
    if gained < refresh_step(role_ttl):
        return user_session
    refreshed = user_session.model_copy(update={"expires_at": new_end})
    # The key's TTL runs on Redis's wall time; only its length comes from the clock.
    ttl = max(1, math.ceil((new_end - now).total_seconds()))
    if not await redis.refresh_user_session(refreshed, ttl, read=user_session):
        raise InvalidToken("session expired or logged out")
    return refreshed


async def logout(redis: RedisClient, user_session: UserRedis) -> None:
    """End this session at once: its token is refused from the next request on. The user's
    sessions on other devices stay; a student's remembered phone is forgotten."""
    await redis.end_user_session(user_session)
    if user_session.role is Role.STUDENT:
        await redis.forget_device(user_session.user_number)


async def logout_everywhere(redis: RedisClient, user_number: str) -> int:
    """End every session of the user (also an admin's "end this user's sessions"); how many
    there were."""
    await redis.forget_device(user_number)
    with translated():
        return await redis.end_user_sessions(user_number)


def csrf_token(settings: Settings, user_session: UserRedis) -> str:
    """The web UI's CSRF token: an HMAC of the session, so it is bound to this one login.

    A plain random double-submit value could be planted by anyone able to set a cookie for
    the site (a sibling subdomain); this one cannot be made without the server key.
    """
    key = settings.secret_key.get_secret_value().encode()
    message = f"csrf:{user_session.user_number}:{user_session.token_hash}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def check_csrf(
    settings: Settings,
    user_session: UserRedis,
    method: str,
    header: str | None,
    cookie: str | None,
) -> None:
    """Cookie-authenticated state changes must echo the ``attn_csrf`` cookie in a header.

    A cross-site form or fetch carries the cookies but cannot read them, so it cannot
    send the matching header (double submit); the value must also be this session's.
    """
    if method.upper() in SAFE_METHODS:
        return
    if not header or not cookie or not hmac.compare_digest(header.encode(), cookie.encode()):
        raise CsrfFailed("send the attn_csrf cookie's value in the X-CSRF-Token header")
    if not hmac.compare_digest(header.encode(), csrf_token(settings, user_session).encode()):
        raise CsrfFailed("CSRF token does not belong to this session")
