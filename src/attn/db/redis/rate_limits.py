"""Fixed-window request counters for rate limits (one key per subject and window)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from redis.asyncio.client import Pipeline
from redis.asyncio.cluster import ClusterPipeline

from attn.db import keys
from attn.db.redis.base import RedisBase, lua_source
from attn.models import LessonRedis, UserRedis


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

    async def check_in_preflight(
        self,
        user: tuple[str, str, str],
        address: tuple[str, str],
        window_s: int,
        attendance_id: UUID | None,
    ) -> CheckInPreflight:
        """Everything a check-in reads before its checks, in one round trip: the session of
        ``user`` = ``(user_number, token hash, scope)``, counted against that user's limit
        only if the token matches it (``lua/session_hit.lua``), the request counted against
        ``address`` = ``(scope, client address)``, and the lesson (if the id is valid)."""
        user_number, token_hash, user_scope = user
        window = int(time.time() // window_s)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.eval(
                lua_source("session_hit"),
                2,
                keys.user_session(user_number),
                keys.rate_limit(user_scope, user_number, window),
                token_hash,
                window_s + 1,
            )
            reset_in = _queue_hits(pipe, [address], window_s)
            if attendance_id is not None:
                pipe.get(keys.lesson(attendance_id))
            replies = await pipe.execute()
        (raw_session, user_count), address_count = replies[0], replies[1]
        raw_lesson = replies[2] if attendance_id is not None else None
        return CheckInPreflight(
            session=None if raw_session is None else UserRedis.from_json(raw_session),
            user_count=int(user_count),
            address_count=int(address_count),
            reset_in=reset_in,
            lesson=None if raw_lesson is None else LessonRedis.from_json(raw_lesson),
        )


@dataclass(frozen=True)
class CheckInPreflight:
    """What :meth:`RateLimitsMixin.check_in_preflight` read and counted."""

    session: UserRedis | None
    """The stored session of the token's user number, whichever token it was issued for."""
    user_count: int
    """Requests of the user in this window; 0 if the token did not match (not counted)."""
    address_count: int
    reset_in: int
    lesson: LessonRedis | None


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
