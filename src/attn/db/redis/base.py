"""What every part of the Redis data layer shares: the client, the Lua scripts, decoding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib.resources import files
from uuid import UUID

from redis.commands.core import AsyncScript

from attn.db.outcomes import NotLive
from attn.db.redis_connection import AnyRedis
from attn.models import AuditEntryRedis

LUA_PACKAGE = "attn.db"
"""The scripts ship as package data in ``attn/db/lua/`` (read with importlib.resources)."""

DEFAULT_EVENTS_MAX = 5_000
"""The live channel's stream cap (``ATTN_LIVE_EVENTS_MAX``): a lecture hall's check-ins,
retries and decisions, so a listener reconnecting within a lesson finds what it missed."""

MAX_CAS_ATTEMPTS = 25
"""Compare-and-set loops give up after this many lost races (only under absurd contention)."""


@cache
def lua_source(name: str) -> str:
    """The text of ``lua/<name>.lua``, read once per process."""
    return files(LUA_PACKAGE).joinpath("lua", f"{name}.lua").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Scripts:
    """Every Lua script, registered once per client (EVALSHA, falling back to the source)."""

    create_lesson: AsyncScript
    update_lesson: AsyncScript
    check_in: AsyncScript
    change_roster: AsyncScript
    save_record: AsyncScript
    update_record: AsyncScript
    delete_record: AsyncScript
    renew_lease: AsyncScript
    release_lease: AsyncScript
    cleanup_persisted: AsyncScript
    refresh_session: AsyncScript
    end_session: AsyncScript
    end_sessions: AsyncScript
    open_session: AsyncScript
    replace_session: AsyncScript
    resume_session: AsyncScript

    @classmethod
    def register(cls, redis: AnyRedis) -> Scripts:
        names = cls.__dataclass_fields__
        return cls(**{name: redis.register_script(lua_source(name)) for name in names})


class RedisBase:
    """Holds the connection and the scripts; the concern mixins build on it."""

    def __init__(self, redis: AnyRedis, *, events_max: int = DEFAULT_EVENTS_MAX) -> None:
        self._redis = redis
        self._scripts = Scripts.register(redis)
        self._events_max = str(events_max)
        """The ``MAXLEN ~`` every script appends its live-channel event with."""

    @property
    def redis(self) -> AnyRedis:
        """The underlying redis-py client (for health checks and tests)."""
        return self._redis


def text(value: str | bytes) -> str:
    """A reply as ``str`` whether or not the client decodes responses."""
    return value.decode() if isinstance(value, bytes) else value


def audit_arg(entry: AuditEntryRedis | None) -> str:
    """An audit entry as a script argument: its JSON, or '' for none."""
    return "" if entry is None else entry.to_json()


def epoch_seconds(at: datetime) -> float:
    """Sorted-set score of an instant; naive datetimes are refused, never guessed."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return at.timestamp()


def not_live(attendance_id: UUID | str) -> NotLive:
    """The lesson is not in Redis: unknown, or already persisted and removed."""
    return NotLive(attendance_id)
