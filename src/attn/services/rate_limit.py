"""Rate limits (Redis-backed, shared by every API process): 429 with Retry-After when exceeded."""

from __future__ import annotations

from attn.db.redis_client import RedisClient
from attn.errors import RateLimited

WINDOW_S = 60


async def enforce(redis: RedisClient, scope: str, subject: str, per_minute: int) -> None:
    """Count a request of ``subject`` in ``scope``; raise :class:`RateLimited` past the limit."""
    count, reset_in = await redis.hit_rate_limit(scope, subject, WINDOW_S)
    if count > per_minute:
        raise RateLimited(
            f"too many {scope} requests; try again in {reset_in} s",
            retry_after=reset_in,
        )
