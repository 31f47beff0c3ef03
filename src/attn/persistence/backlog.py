"""What waits for the persistence job, read from Redis whichever process runs the job
(``/metrics`` asks at each scrape: the job's own gauges only know what that process did)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from attn.db.redis_client import RedisClient


@dataclass(frozen=True)
class Backlog:
    oldest_due_age: float
    """Seconds the oldest due attendance has waited (the persistence lag); 0 when none."""
    due: int
    dead_letters: int


async def read_backlog(redis: RedisClient, now: datetime) -> Backlog:
    """Three single-key reads (in other slots on a cluster), sent together."""
    age, due, dead = await asyncio.gather(
        redis.oldest_due_age(now), redis.count_due(now), redis.count_dead_letters()
    )
    return Backlog(oldest_due_age=age or 0.0, due=due, dead_letters=dead)
