"""Fixed-window request counters for rate limits (one key per subject and window)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from redis.asyncio.client import Pipeline
from redis.asyncio.cluster import ClusterPipeline

from attn.db import keys
from attn.db.redis.base import RedisBase, lua_source
from attn.models import LessonRedis


class RateLimitsMixin(RedisBase):
    async def hit_rate_limit(self, scope: str, subject: str, window_s: int) -> tuple[int, int]:
        """Count one request; returns (requests in this window, seconds until it resets)."""
        counts, reset_in = await self.hit_rate_limits([(scope, subject)], window_s)
        return counts[0], reset_in

    async def hit_rate_limits(
        self, subjects: Sequence[tuple[str, str]], window_s: int
    ) -> tuple[list[int], int]:
        """Count one request against several ``(scope, subject)`` counters in one round trip.

        One script per counter (``lua/hit_rate_limit.lua``: INCR and EXPIRE together),
        pipelined without MULTI: keys of different subjects may live on different cluster
        nodes.
        """
        async with self._redis.pipeline(transaction=False) as pipe:
            reset_in = _queue_hits(pipe, subjects, window_s)
            replies = await pipe.execute()
        return _counts(replies), reset_in

    async def hit_rate_limits_and_get_lesson(
        self, subjects: Sequence[tuple[str, str]], window_s: int, attendance_id: UUID | str
    ) -> tuple[list[int], int, LessonRedis | None]:
        """:meth:`hit_rate_limits` and ``get_lesson`` in the same round trip: the check-in
        needs both, one after the other, and each round trip costs the server real CPU
        (command packing, the connection pool, reply parsing)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            reset_in = _queue_hits(pipe, subjects, window_s)
            pipe.get(keys.lesson(attendance_id))
            *replies, raw_lesson = await pipe.execute()
        lesson = None if raw_lesson is None else LessonRedis.from_json(raw_lesson)
        return _counts(replies), reset_in, lesson


def _queue_hits(
    pipe: Pipeline | ClusterPipeline, subjects: Sequence[tuple[str, str]], window_s: int
) -> int:
    """Queue one hit per counter; returns the seconds until the window resets."""
    now = time.time()
    window = int(now // window_s)
    script = lua_source("hit_rate_limit")
    for scope, subject in subjects:
        pipe.eval(script, 1, keys.rate_limit(scope, subject, window), window_s + 1)
    return max(1, int((window + 1) * window_s - now + 0.999))


def _counts(replies: list[Any]) -> list[int]:
    return [int(count) for count in replies]
