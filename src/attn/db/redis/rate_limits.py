"""Fixed-window request counters for rate limits (one key per subject and window)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from attn.db import keys
from attn.db.redis.base import RedisBase, lua_source
from attn.models import LessonRedis, UserRedis


class RateLimitsMixin(RedisBase):
    async def hit_rate_limit(self, scope: str, subject: str, window_s: int) -> tuple[int, int]:
        """Count one request; returns (requests in this window, seconds until it resets).

        One script (``lua/hit_rate_limit.lua``): INCR and EXPIRE together, so a counter is
        never left without its TTL.
        """
        window, reset_in = _window(window_s)
        count = await self._redis.eval(
            lua_source("hit_rate_limit"), 1, keys.rate_limit(scope, subject, window), window_s + 1
        )
        return int(count), reset_in

    async def take_rate_limits(
        self, limits: Sequence[tuple[str, str, int]], window_s: int
    ) -> RateLimitTicket:
        """Count one attempt against every ``(scope, subject, limit)`` still under its limit,
        atomically per counter (``lua/take_rate_limit.lua``), in one round trip.

        If any limit is reached nothing stays counted: the counters already taken are given
        back (a second round trip, on refusal only), so attempts refused by one limit never
        use up another (a guesser stopped per address spends none of the account's budget).
        """
        window, reset_in = _window(window_s)
        counters = [keys.rate_limit(scope, subject, window) for scope, subject, _ in limits]
        async with self._redis.pipeline(transaction=False) as pipe:
            for counter, (_, _, limit) in zip(counters, limits, strict=True):
                pipe.eval(lua_source("take_rate_limit"), 1, counter, limit, window_s + 1)
            replies = await pipe.execute()
        taken = [int(reply) > 0 for reply in replies]
        if all(taken):
            return RateLimitTicket(counters=tuple(counters), refused=None, reset_in=reset_in)
        await self.give_back_rate_limits(
            RateLimitTicket(
                counters=tuple(c for c, ok in zip(counters, taken, strict=True) if ok),
                refused=None,
                reset_in=reset_in,
            )
        )
        return RateLimitTicket(counters=(), refused=taken.index(False), reset_in=reset_in)

    async def give_back_rate_limits(self, ticket: RateLimitTicket) -> None:
        """Uncount the attempt of ``ticket`` (``lua/give_back_rate_limit.lua``): it was no
        failure. A counter of a window that has ended meanwhile is left alone."""
        if not ticket.counters:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for counter in ticket.counters:
                pipe.eval(lua_source("give_back_rate_limit"), 1, counter)
            await pipe.execute()

    async def check_in_preflight(
        self,
        user: tuple[str, str, str],
        window_s: int,
        attendance_id: UUID | None,
    ) -> CheckInPreflight:
        """Everything a check-in reads before its checks, in one round trip: the session of
        ``user`` = ``(user_number, token hash, scope)``, counted against that user's limit
        only if the token matches it (``lua/session_hit.lua``), and the lesson (if the id is
        valid). The client address is not counted here: only a refused token counts
        against it (:func:`attn.services.checkin.admission.admit`), so a hall behind one NAT address
        is limited per student alone.

        Pipelined without MULTI: the user's keys and the lesson may live on different
        cluster nodes.
        """
        user_number, token_hash, user_scope = user
        window, reset_in = _window(window_s)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.eval(
                lua_source("session_hit"),
                2,
                keys.user_session(user_number, keys.session_id(token_hash)),
                keys.rate_limit(user_scope, user_number, window),
                token_hash,
                window_s + 1,
            )
            if attendance_id is not None:
                pipe.get(keys.lesson(attendance_id))
            replies = await pipe.execute()
        raw_session, user_count = replies[0]
        raw_lesson = replies[1] if attendance_id is not None else None
        return CheckInPreflight(
            session=None if raw_session is None else UserRedis.from_json(raw_session),
            user_count=int(user_count),
            reset_in=reset_in,
            lesson=None if raw_lesson is None else LessonRedis.from_json(raw_lesson),
        )


@dataclass(frozen=True)
class RateLimitTicket:
    """What :meth:`RateLimitsMixin.take_rate_limits` counted: hand it back to
    :meth:`~RateLimitsMixin.give_back_rate_limits` if the attempt was no failure."""

    counters: tuple[str, ...]
    """The counters this attempt was counted in (none if it was refused)."""
    refused: int | None
    """Index of the first limit that was reached, or None if the attempt was counted."""
    reset_in: int
    """Seconds until the window ends."""


@dataclass(frozen=True)
class CheckInPreflight:
    """What :meth:`RateLimitsMixin.check_in_preflight` read and counted."""

    session: UserRedis | None
    """The stored session of the token's user number, whichever token it was issued for."""
    user_count: int
    """Requests of the user in this window; 0 if the token did not match (not counted)."""
    reset_in: int
    lesson: LessonRedis | None


def _window(window_s: int) -> tuple[int, int]:
    """The current fixed window's number, and the seconds until it ends."""
    now = time.time()
    window = int(now // window_s)
    return window, max(1, int((window + 1) * window_s - now + 0.999))
