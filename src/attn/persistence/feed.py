"""The due queue as one run sees it: ids due at the run's start, each handed out once.

Several workers (and several processes) read ``attn:due`` at once, so an id may be leased
by someone else, or come back (skipped, retried) and keep its place at the head of the
queue. Fetching only ``batch`` ids every time would then return the same busy ids again and
end the run early while hundreds wait behind them; instead each fetch reaches past the ids
this run has already seen that may still sit in the queue.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from datetime import datetime

from attn.db.redis_client import RedisClient


class DueFeed:
    """Hands out due attendance ids to the run's workers, each id at most once per run."""

    def __init__(self, redis: RedisClient, now: datetime, batch: int) -> None:
        self._redis = redis
        self._now = now
        self._batch = batch
        self._buffer: deque[str] = deque()
        self._seen: set[str] = set()
        self._still_queued = 0  # seen ids that may still be in attn:due (in flight, skipped)
        self._exhausted = False
        self._lock = asyncio.Lock()

    async def next(self) -> str | None:
        """The next id to work on, or None when nothing due is left for this run."""
        async with self._lock:
            if not self._buffer and not self._exhausted:
                await self._fetch()
            if not self._buffer:
                return None
            attendance_id = self._buffer.popleft()
            self._still_queued += 1
            return attendance_id

    def done(self, attendance_id: str, *, still_due: bool) -> None:
        """Report that an id left the queue (persisted, dead-lettered, postponed) or not."""
        if not still_due:
            self._still_queued -= 1

    async def _fetch(self) -> None:
        limit = self._batch + self._still_queued
        ids = await self._redis.due_attendance_ids(self._now, limit)
        fresh = [aid for aid in ids if aid not in self._seen]
        self._seen.update(fresh)
        # Workers in other processes read the same head of the queue: taking it in a random
        # order, they mostly lease different attendances instead of queueing on the same.
        random.shuffle(fresh)
        self._buffer.extend(fresh)
        if not fresh:
            self._exhausted = True
