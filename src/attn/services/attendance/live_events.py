"""The live channel of one attendance, for the teacher's live list and the projector.

Every change's Lua script appends its delta to the attendance's stream in the same atomic
step (docs/design.md#live-channel), so a listener connected to any API process sees every
change made through any other, in order. A listener starts after an event id: the one its
snapshot carried (``RecordsOut.last_event_id``), the last one it received (a reconnect's
``Last-Event-ID``), or now. The API route and the pages share :func:`open_channel`.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.redis.events import EventsReader, LiveEvent
from attn.db.redis.lessons import is_open
from attn.db.redis_client import RedisClient
from attn.db.sql.rows import AttendanceRow
from attn.errors import InvalidEventId, TooManyListeners
from attn.models import LessonRedis, UserRedis
from attn.services import metrics
from attn.services.attendance.locate import live_or_archived

__all__ = ["Channel", "ListenerSlots", "LiveEvent", "open_channel", "parse_event_id"]

ENDING_EVENTS = frozenset({"finished", "deleted"})
"""After these the attendance takes no check-ins: the channel sends them and ends."""
PERSISTED = "persisted"
"""Sent (without an id) when the attendance left Redis: its list is in the archive now."""
RESET = "reset"
"""Sent when events after the listener's id were trimmed away: reload the list."""
WAKE_MS = 5_000
"""A waiting listener wakes this often to see whether its attendance was persisted (the
cleanup removes the stream with the other keys, which wakes no blocked read)."""
BATCH = 200
"""Events one read passes on at most (a reconnect after a burst catches up in batches)."""
GATHER_S = 0.05
"""After a batch, a listener lets changes gather this long before it reads again: in a
lecture hall's rush one read (and one write to the browser) carries many check-ins
instead of one, for at most 50 ms more delay (docs/performance.md#live-channel)."""
EVENT_ID = re.compile(r"\d{1,20}-\d{1,20}")


def parse_event_id(value: str | None) -> str | None:
    """A listener's ``Last-Event-ID`` or ``after`` as a stream id (None: start now);
    422 ``invalid_event_id`` for anything else."""
    if value is None or value.strip() == "":
        return None
    value = value.strip()
    if not EVENT_ID.fullmatch(value):
        raise InvalidEventId(
            "an event id is <milliseconds>-<sequence>, as the channel sent it",
            details={"field": "Last-Event-ID"},
        )
    return value


@dataclass
class ListenerSlots:
    """How many live channels this process serves at once (``ATTN_LIVE_LISTENERS_MAX``):
    each holds a connection of the listeners' Redis client while it waits."""

    limit: int
    taken: int = 0

    def take(self) -> Slot:
        if self.taken >= self.limit:
            raise TooManyListeners(
                f"this server already serves {self.limit} live lists; retry shortly",
                details={"limit": self.limit},
            )
        self.taken += 1
        metrics.LIVE_CONNECTIONS.inc()
        return Slot(self)


@dataclass
class Slot:
    """One taken listener slot; :meth:`release` may be called more than once."""

    slots: ListenerSlots
    released: bool = field(default=False)

    def release(self) -> None:
        if not self.released:
            self.released = True
            self.slots.taken -= 1
            metrics.LIVE_CONNECTIONS.dec()


@dataclass
class Channel:
    """An open live channel: ``events`` to send, in order, in batches (each one write to
    the client); ``slot`` to give back when the response is over (the generator also
    gives it back when it ends)."""

    events: AsyncIterator[list[LiveEvent]]
    slot: Slot | None


async def open_channel(
    redis: RedisClient,
    reader: EventsReader,
    slots: ListenerSlots,
    session: AsyncSession,
    user: UserRedis,
    attendance_id: UUID,
    after: str | None,
) -> Channel | None:
    """The channel of an attendance the caller may manage (401/403/404 as its records).

    None when there is nothing more to send, so the client should stop listening (HTTP
    204): the attendance is stored, or closed with no event after ``after``. A closed one
    still in Redis sends what the listener missed and ends; an open one follows the
    stream until it closes. Reads SQL only for an attendance that is not live, and holds
    no database connection while streaming.
    """

    async def live(lesson: LessonRedis) -> Channel | None:
        start = after or await reader.last_id(attendance_id)
        if is_open(lesson):
            slot = slots.take()
            return Channel(_follow(reader, attendance_id, start, slot), slot)
        missed = await reader.after(attendance_id, start, BATCH)
        return Channel(_replay(missed), None) if missed else None

    async def stored(_row: AttendanceRow) -> Channel | None:
        return None

    found = await redis.get_lesson(attendance_id)
    return await live_or_archived(session, user, attendance_id, found, live, stored)


async def _replay(events: list[LiveEvent]) -> AsyncIterator[list[LiveEvent]]:
    yield _until_the_end(events)


def _until_the_end(events: list[LiveEvent]) -> list[LiveEvent]:
    """``events`` up to and including the first that closes the attendance."""
    for index, event in enumerate(events):
        if event.name in ENDING_EVENTS:
            return events[: index + 1]
    return events


async def _follow(
    reader: EventsReader, attendance_id: UUID, after: str, slot: Slot
) -> AsyncIterator[list[LiveEvent]]:
    """The events after ``after`` as they come, until the attendance closes or leaves Redis."""
    try:
        cursor = after
        if await reader.lost_after(attendance_id, cursor):
            cursor = await reader.last_id(attendance_id)
            yield [_reset(cursor)]
        while True:
            events = await reader.wait(attendance_id, cursor, block_ms=WAKE_MS, count=BATCH)
            if not events:
                if not await reader.lesson_exists(attendance_id):
                    yield [LiveEvent("", PERSISTED, "{}")]
                    return
                continue
            if len(events) == BATCH and await reader.lost_after(attendance_id, cursor):
                cursor = await reader.last_id(attendance_id)
                yield [_reset(cursor)]
                continue
            sent = _until_the_end(events)
            yield sent
            if sent[-1].name in ENDING_EVENTS:
                return
            cursor = events[-1].event_id
            await asyncio.sleep(GATHER_S)
    finally:
        slot.release()


def _reset(event_id: str) -> LiveEvent:
    return LiveEvent(event_id, RESET, json.dumps({"reason": "events_lost"}))
