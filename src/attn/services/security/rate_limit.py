"""Rate limits (Redis-backed, shared by every API process): 429 with Retry-After when exceeded.

Fixed one-minute windows per ``(scope, subject)``: a client may burst up to twice the limit
across a window boundary, which is acceptable for slowing password guessing and cheap (one
``INCR`` per request). Scopes are named here so two features never share a counter by
accident.
"""

from __future__ import annotations

from collections.abc import Sequence

from attn.db.redis_client import RateLimitTicket, RedisClient
from attn.errors import RateLimited

WINDOW_S = 60
# The windows are Redis TTLs, so they follow Redis's wall time, not the injected clock.

LOGIN_ADDRESS = "login_address"
"""Failed logins per client address (``settings.rate_limit_per_address_per_minute``)."""
LOGIN_USER_ADDRESS = "login_user_address"
"""Failed logins per user number from one address
(``settings.rate_limit_login_per_user_address_per_minute``)."""
LOGIN_USER = "login_user"
"""Failed logins per user number, whoever sends them (``settings.rate_limit_login_per_minute``)."""

Limit = tuple[str, str, int]
"""``(scope, subject, per_minute)``."""


async def enforce(redis: RedisClient, scope: str, subject: str, per_minute: int) -> None:
    """Count a request of ``subject`` in ``scope``; raise :class:`RateLimited` past the limit.

    Refused requests are counted too, so hammering on does not reopen the window early.
    """
    count, reset_in = await redis.hit_rate_limit(scope, subject, WINDOW_S)
    if count > per_minute:
        raise _refusal(scope, reset_in)


async def take(
    redis: RedisClient, limits: Sequence[Limit], *, error: type[RateLimited] = RateLimited
) -> RateLimitTicket:
    """Count an attempt against every limit, or raise ``error`` for the first one reached
    without counting it anywhere.

    For limits on failures: count before checking, then give the ticket back
    (``redis.give_back_rate_limits``) if the attempt succeeded. Counting and deciding in one
    atomic step per counter means concurrent attempts cannot slip past the limit together.
    """
    ticket = await redis.take_rate_limits(limits, WINDOW_S)
    if ticket.refused is not None:
        raise _refusal(limits[ticket.refused][0], ticket.reset_in, error)
    return ticket


def over_limit(limits: Sequence[Limit], counts: Sequence[int], reset_in: int) -> RateLimited | None:
    """The refusal for the first of ``limits`` (``(scope, subject, per_minute)``) whose
    count in this window is past it, or None: for callers that count several limits in one
    round trip with other reads (the check-in)."""
    for (scope, _, per_minute), count in zip(limits, counts, strict=True):
        if count > per_minute:
            return _refusal(scope, reset_in)
    return None


def _refusal(scope: str, reset_in: int, error: type[RateLimited] = RateLimited) -> RateLimited:
    return error(f"too many requests ({scope}); try again in {reset_in} s", retry_after=reset_in)
