"""The live channel's reads: one stream per attendance (``keys.events``), written only by
the Lua scripts of the changes themselves, read here from a listener's last event id.

A blocking read holds its connection for the whole wait, so :class:`EventsReader` runs on
a client of its own (``Runtime.live_redis``), never on the pool the requests share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from attn.db import keys
from attn.db.redis.base import text
from attn.db.redis_connection import AnyRedis

NO_EVENT = "0-0"
"""The id before every stream entry: a stream that does not exist yet has no events."""
STARTED = "started"
"""The first event of every stream, appended by ``create_lesson.lua``."""


@dataclass(frozen=True)
class LiveEvent:
    """One stream entry: its id (``<ms>-<seq>``, the SSE ``id``), name and JSON data."""

    event_id: str
    name: str
    data: str


def event_order(event_id: str) -> tuple[int, int]:
    """A stream id as a comparable pair (ValueError when it is none)."""
    millis, _, seq = event_id.partition("-")
    return int(millis), int(seq or "0")


def _events(entries: list[Any]) -> list[LiveEvent]:
    return [
        LiveEvent(text(entry_id), text(fields.get("event", "")), text(fields.get("data", "{}")))
        for entry_id, fields in entries
    ]


class EventsReader:
    """Reads attendances' live-channel streams on the listeners' own client."""

    def __init__(self, redis: AnyRedis) -> None:
        self._redis = redis

    @property
    def redis(self) -> AnyRedis:
        return self._redis

    async def last_id(self, attendance_id: UUID | str) -> str:
        """The newest event's id, :data:`NO_EVENT` when there is none."""
        last = await self._redis.xrevrange(keys.events(attendance_id), count=1) or []
        return _events(last)[0].event_id if last else NO_EVENT

    async def after(self, attendance_id: UUID | str, after: str, count: int) -> list[LiveEvent]:
        """Up to ``count`` events after ``after``, without waiting."""
        entries = await self._redis.xrange(keys.events(attendance_id), f"({after}", "+", count)
        return _events(entries or [])

    async def wait(
        self, attendance_id: UUID | str, after: str, *, block_ms: int, count: int
    ) -> list[LiveEvent]:
        """Events after ``after``, waiting up to ``block_ms`` for the first (XREAD BLOCK);
        an empty list when none came."""
        reply: Any = await self._redis.xread(
            {keys.events(attendance_id): after}, count=count, block=block_ms
        )
        return _events(reply[0][1]) if reply else []

    async def lost_after(self, attendance_id: UUID | str, after: str) -> bool:
        """Whether the cap may have trimmed events newer than ``after``.

        Every stream begins with ``started`` (``create_lesson.lua``), so a first entry of
        another kind means the oldest were trimmed; then ``after`` older than that entry
        may have missed some. (Redis 6.2, the embedded server, has no ``entries-added``
        to count them, and trimming never sets ``max-deleted-entry-id``.) It errs towards
        yes only when ``after`` is the very last trimmed event, or for a lesson started
        before the channel existed: the listener reloads its list once, losing nothing.
        """
        first = await self._redis.xrange(keys.events(attendance_id), "-", "+", 1) or []
        if not first:
            return False
        [oldest] = _events(first)
        return oldest.name != STARTED and event_order(after) < event_order(oldest.event_id)

    async def lesson_exists(self, attendance_id: UUID | str) -> bool:
        """Whether the attendance is still in Redis (not yet persisted and removed)."""
        return bool(await self._redis.exists(keys.lesson(attendance_id)))
