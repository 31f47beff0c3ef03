"""Rotating check-in codes (the ``code`` check, docs/design.md#check-in-checks): proof that
the student sees the classroom.

The teacher's screen shows a short code (and a QR code of a check-in link carrying it) that
changes every ``code_step_seconds``. The code is HMAC-SHA256 of a per-attendance random
secret and the time step counter, like TOTP, so any API process can compute and check it
without shared state beyond the secret, and a code read out to a friend at home expires
within one step plus the grace period. The secret stays in Redis and is never sent to
students; 31^6 (~8.9e8) possible codes against a per-student limit on wrong codes make
guessing pointless.
"""

from __future__ import annotations

import hmac
import io
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from urllib.parse import quote, urlencode
from uuid import UUID

import segno

from attn.clock import Clock, FrozenClock, SystemClock
from attn.config import Settings
from attn.db.redis_client import RedisClient
from attn.errors import TooManyWrongCodes
from attn.services.security import rate_limit

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "Clock",
    "CodeDisplay",
    "FrozenClock",
    "SystemClock",
    "check_code",
    "checkin_url",
    "code_display",
    "code_for_step",
    "current_code",
    "ensure_secret",
    "normalize_code",
    "qr_svg",
    "verify_code",
]

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""31 symbols without the look-alikes 0/O, 1/I/L: nothing to misread on a projector."""
CODE_LENGTH = 6
SECRET_BYTES = 32
CHECKIN_PATH = "/check-in/{attendance_id}"
"""Where the QR code's link points: the web UI's check-in page, with ``?code=``."""
WRONG_CODE_SCOPE = "checkin_code_wrong"
"""Rate-limit counter of wrong codes per student (``settings.code_attempts_per_minute``)."""
CODE_INVALID = "code_invalid"
"""``fail_reason`` of a check-in with a missing, malformed, wrong or expired code."""

_CODE_SHAPE = re.compile(f"[{ALPHABET}]{{{CODE_LENGTH}}}")
_WHITESPACE = re.compile(r"\s+")


# --- the secret ---------------------------------------------------------------------------


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


async def ensure_secret(redis: RedisClient, attendance_id: UUID | str) -> bytes:
    """The attendance's secret, created (SET NX) on the first call.

    Call it when the attendance starts; calling it again (teacher's code view, a student's
    check-in) is harmless and repairs a secret lost with a Redis restart. Raises NotLive
    once the attendance has left Redis.
    """
    stored = await redis.ensure_code_secret(attendance_id, new_secret().hex())
    return bytes.fromhex(stored)


# --- codes --------------------------------------------------------------------------------


def time_step(now: datetime, step_seconds: int) -> int:
    """The step counter: whole steps since the Unix epoch."""
    return math.floor(now.timestamp() / step_seconds)


def code_for_step(secret: bytes, counter: int) -> str:
    """The code of one time step: HMAC-SHA256(secret, counter as 8 big-endian bytes).

    The first 64 bits of the MAC read as base 31: the bias over 31^6 codes is ~5e-11.
    """
    digest = hmac.new(secret, counter.to_bytes(8, "big", signed=True), sha256).digest()
    value = int.from_bytes(digest[:8], "big")
    symbols = []
    for _ in range(CODE_LENGTH):
        value, index = divmod(value, len(ALPHABET))
        symbols.append(ALPHABET[index])
    return "".join(symbols)


def current_code(secret: bytes, now: datetime, step_seconds: int) -> tuple[str, float]:
    """(the code in force at ``now``, seconds until the next one)."""
    counter = time_step(now, step_seconds)
    remaining = (counter + 1) * step_seconds - now.timestamp()
    return code_for_step(secret, counter), remaining


def normalize_code(submitted: str) -> str | None:
    """Upper-cased with whitespace removed, or None if it cannot be a code at all."""
    code = _WHITESPACE.sub("", submitted).upper()
    return code if _CODE_SHAPE.fullmatch(code) else None


def verify_code(
    secret: bytes, submitted: str, now: datetime, step_seconds: int, grace_seconds: int
) -> bool:
    """Whether ``submitted`` is the current code, or the previous one within the grace period.

    The previous step's code counts while ``now`` is less than ``grace_seconds`` past the
    boundary where it was replaced (the student read it just before the change). Codes of
    the next step are never accepted: every process computes codes from the same server
    time the teacher's screen is given. Comparison is constant-time.
    """
    code = normalize_code(submitted)
    if code is None:
        return False
    counter = time_step(now, step_seconds)
    candidates = [code_for_step(secret, counter)]
    if now.timestamp() - counter * step_seconds < grace_seconds:
        candidates.append(code_for_step(secret, counter - 1))
    matched = False
    for candidate in candidates:  # no early exit: the time taken does not depend on a match
        matched |= hmac.compare_digest(candidate.encode(), code.encode())
    return matched


async def check_code(
    redis: RedisClient,
    settings: Settings,
    attendance_id: UUID | str,
    student_number: str,
    submitted: str | None,
    now: datetime,
) -> str | None:
    """The ``code`` check of one check-in: None when it passes, else the fail reason.

    Raises RateLimited (``too_many_wrong_codes``) before looking at the code once the
    student has sent ``settings.code_attempts_per_minute`` wrong codes in the current
    minute, so that guessing stays hopeless. The attempt is counted before the code is
    looked at, in the same atomic step as the check (:func:`rate_limit.take`), and given
    back if the code was right: concurrent guesses cannot all pass a check made before any
    of them was counted.
    """
    limit = (WRONG_CODE_SCOPE, student_number, settings.code_attempts_per_minute)
    ticket = await rate_limit.take(redis, [limit], error=TooManyWrongCodes)
    try:
        secret = await ensure_secret(redis, attendance_id)
        right = submitted is not None and verify_code(
            secret, submitted, now, settings.code_step_seconds, settings.code_grace_seconds
        )
    except Exception:
        await redis.give_back_rate_limits(ticket)  # not a wrong code: the check never ran
        raise
    if right:
        await redis.give_back_rate_limits(ticket)
        return None
    return CODE_INVALID


# --- what the teacher shows ------------------------------------------------------------------


def checkin_url(public_base_url: str, attendance_id: UUID | str, code: str) -> str:
    """The link in the QR code: the web UI's check-in page with the code filled in."""
    path = CHECKIN_PATH.format(attendance_id=quote(str(attendance_id), safe=""))
    return f"{public_base_url.rstrip('/')}{path}?{urlencode({'code': code})}"


def qr_svg(url: str, *, scale: int = 8, border: int = 4) -> str:
    """A standalone SVG document (also fine inline in HTML) of a QR code for ``url``.

    Always a full QR code (never a Micro QR, which many phone cameras cannot read), with
    error correction M: readable from the back of a lecture hall on a projector.
    """
    qr = segno.make_qr(url, error="m", boost_error=False)
    buffer = io.BytesIO()
    qr.save(
        buffer,
        kind="svg",
        scale=scale,
        border=border,
        xmldecl=False,
        svgns=True,
        title="Check-in code",
        nl=False,
    )
    return buffer.getvalue().decode("utf-8")


@dataclass(frozen=True)
class CodeDisplay:
    """Everything the teacher's screen needs to show the code and refresh it in time."""

    code: str
    seconds_until_change: float
    step_seconds: int
    url: str

    @property
    def qr_svg(self) -> str:
        """The QR code of :attr:`url`, made only when asked for (the JSON view needs none)."""
        return qr_svg(self.url)


async def code_display(
    redis: RedisClient, settings: Settings, attendance_id: UUID | str, now: datetime
) -> CodeDisplay:
    """The current code of a live attendance with its link and QR code (teacher only)."""
    secret = await ensure_secret(redis, attendance_id)
    code, remaining = current_code(secret, now, settings.code_step_seconds)
    url = checkin_url(settings.public_base_url, attendance_id, code)
    return CodeDisplay(
        code=code,
        seconds_until_change=remaining,
        step_seconds=settings.code_step_seconds,
        url=url,
    )
