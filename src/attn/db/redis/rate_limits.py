"""Fixed-window request counters for rate limits (one key per subject and window)."""

from __future__ import annotations

import time

from attn.db import keys
from attn.db.redis.base import RedisBase


class RateLimitsMixin(RedisBase):
    async def hit_rate_limit(self, scope: str, subject: str, window_s: int) -> tuple[int, int]:
        """Count one request; returns (requests in this window, seconds until it resets)."""
        now = time.time()
        window = int(now // window_s)
        key = keys.rate_limit(scope, subject, window)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, window_s + 1)
            count, _ = await pipe.execute()
        reset_in = max(1, int((window + 1) * window_s - now + 0.999))
        return int(count), reset_in
