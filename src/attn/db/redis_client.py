"""``RedisClient``: the one data access object for everything ATTN keeps in Redis.

A facade over the concern modules in :mod:`attn.db.redis` (sessions, lessons, records,
persistence queue); key names come from :mod:`attn.db.keys`, Lua scripts from ``db/lua``.
Everything one attendance owns shares the hash tag ``{aid}``, and every multi-key script or
transaction stays inside it, so the same code runs on a single server and on Redis Cluster.
Index keys (name, teacher, live, due, dead letter) change only with single-key commands.
"""

from __future__ import annotations

from attn.db.redis.import_drafts import ImportDraftsMixin
from attn.db.redis.lessons import LessonsMixin
from attn.db.redis.persistence_queue import (
    AttendanceSnapshot,
    CleanupOutcome,
    PersistenceQueueMixin,
)
from attn.db.redis.rate_limits import CheckInPreflight, RateLimitsMixin, RateLimitTicket
from attn.db.redis.records import CheckInResult, RecordsMixin
from attn.db.redis.remembered import RememberedMixin
from attn.db.redis.rosters import RostersMixin
from attn.db.redis.scan_tickets import ScanTicketsMixin
from attn.db.redis.security import SecurityMixin
from attn.db.redis.sessions import SessionsMixin

__all__ = [
    "AttendanceSnapshot",
    "CheckInPreflight",
    "CheckInResult",
    "CleanupOutcome",
    "RateLimitTicket",
    "RedisClient",
]


class RedisClient(
    SessionsMixin,
    RememberedMixin,
    LessonsMixin,
    SecurityMixin,
    RecordsMixin,
    RostersMixin,
    PersistenceQueueMixin,
    RateLimitsMixin,
    ScanTicketsMixin,
    ImportDraftsMixin,
):
    """All Redis reads and writes of ATTN; construct with ``RedisClient(redis)``."""
