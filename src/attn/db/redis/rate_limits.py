"""Fixed-window request counters for rate limits (one key per subject and window)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from attn.db import keys
from attn.db.redis.base import RedisBase


class RateLimitsMixin(RedisBase):
    async def hit_rate_limit(self, scope: str, subject: str, window_s: int) -> tuple[int, int]:
        """Count one request; returns (requests in this window, seconds until it resets)."""
        counts, reset_in = await self.hit_rate_limits([(scope, subject)], window_s)
        return counts[0], reset_in

    async def hit_rate_limits(
        self, subjects: Sequence[tuple[str, str]], window_s: int
    ) -> tuple[list[int], int]:
        """Count one request against several ``(scope, subject)`` counters in one round trip.

        INCR then EXPIRE per key, pipelined without MULTI: each counter is one key (keys of
        different subjects may live on different cluster nodes), and a lost EXPIRE is
        repaired by the next request's.
        """
        now = time.time()
        window = int(now // window_s)
        async with self._redis.pipeline(transaction=False) as pipe:
            for scope, subject in subjects:
                key = keys.rate_limit(scope, subject, window)
                pipe.incr(key)
                pipe.expire(key, window_s + 1)
            replies = await pipe.execute()
        reset_in = max(1, int((window + 1) * window_s - now + 0.999))
        return [int(count) for count in replies[::2]], reset_in
