"""What the persistence worker needs from Redis (docs/design.md#persistence): the due
queue, leases, consistent snapshots, the guarded cleanup and the dead-letter hash.

Lease timing: a worker takes a lease with ``acquire_lease`` for a TTL well above one
attendance's persist time and renews it while it works; if it dies, the lease runs out and
another worker repeats the (idempotent) work. The cleanup only happens while the lease is
still ours *and* the version is the one we persisted, so a write racing the job is never lost.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Literal
from uuid import UUID

from redis.exceptions import ResponseError

from attn.db import keys
from attn.db.redis.base import RedisBase, epoch_seconds, text
from attn.db.redis.lessons import index_keys
from attn.models import LessonRedis
from attn.models.types import format_utc

log = logging.getLogger(__name__)

CleanupOutcome = Literal["deleted", "changed", "lease_lost"]

TOMBSTONE_TTL_S = 24 * 3600
"""Long enough for any outage of the job; a tombstone is removed as soon as it is used."""


def _tombstone_indexes(aid: str, raw: Any) -> list[str]:
    """The index keys a tombstone names; none for a missing or unreadable one."""
    if raw is None:
        return []
    try:
        indexes = json.loads(raw)
    except ValueError:
        log.warning("unreadable tombstone of attendance %s", aid)
        return []
    prefix = keys.PREFIX + ":index:"
    return [k for k in indexes if isinstance(k, str) and k.startswith(prefix)]


@dataclass(frozen=True)
class AttendanceSnapshot:
    """One attendance read in one MULTI: the lesson, its records and its audit entries as
    stored (raw JSON, so the job can dead-letter what it cannot parse) and the version they
    belong to."""

    raw_lesson: str
    raw_records: dict[str, str]
    version: int
    raw_audit: list[str] = field(default_factory=list)

    @cached_property
    def lesson(self) -> LessonRedis:
        """The lesson; raises pydantic's ValidationError if it is unparsable."""
        return LessonRedis.from_json(self.raw_lesson)


class PersistenceQueueMixin(RedisBase):
    async def due_attendance_ids(self, now: datetime, limit: int) -> list[str]:
        """Up to ``limit`` ids due at ``now``, the longest-waiting first."""
        ids: list[Any] = await self._redis.zrangebyscore(
            keys.due(), "-inf", epoch_seconds(now), start=0, num=limit
        )
        return [text(aid) for aid in ids]

    async def count_due(self, now: datetime) -> int:
        """How many attendances are due at ``now`` (waiting for the persistence job)."""
        return int(await self._redis.zcount(keys.due(), "-inf", epoch_seconds(now)))

    async def oldest_due_age(self, now: datetime) -> float | None:
        """Seconds the oldest due item has waited (the persistence lag), None if none is due."""
        oldest: list[Any] = await self._redis.zrange(keys.due(), 0, 0, withscores=True)
        if not oldest:
            return None
        _aid, score = oldest[0]
        age = epoch_seconds(now) - float(score)
        return age if age >= 0 else None

    async def acquire_lease(self, attendance_id: UUID | str, token: str, ttl_ms: int) -> bool:
        """Claim an attendance for this worker (SET NX PX); False if another holds it."""
        return bool(await self._redis.set(keys.lease(attendance_id), token, nx=True, px=ttl_ms))

    async def renew_lease(self, attendance_id: UUID | str, token: str, ttl_ms: int) -> bool:
        """Extend our lease; False if it expired or another worker took it over."""
        renewed = await self._scripts.renew_lease(
            keys=[keys.lease(attendance_id)], args=[token, ttl_ms]
        )
        return bool(renewed)

    async def release_lease(self, attendance_id: UUID | str, token: str) -> None:
        """Drop our lease (never someone else's)."""
        await self._scripts.release_lease(keys=[keys.lease(attendance_id)], args=[token])

    async def snapshot(self, attendance_id: UUID | str) -> AttendanceSnapshot | None:
        """The lesson, raw records and version, atomically; None if the lesson is gone."""
        async with self._redis.pipeline(transaction=True) as pipe:
            _read_snapshot(pipe, attendance_id)
            return _snapshot(*await pipe.execute())

    async def lease_and_snapshot(
        self, attendance_id: UUID | str, token: str, ttl_ms: int
    ) -> tuple[bool, AttendanceSnapshot | None]:
        """:meth:`acquire_lease` and :meth:`snapshot` in one MULTI (one round trip less per
        attendance); the snapshot is only for a worker that got the lease."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.lease(attendance_id), token, nx=True, px=ttl_ms)
            _read_snapshot(pipe, attendance_id)
            leased, *replies = await pipe.execute()
        return (True, _snapshot(*replies)) if leased else (False, None)

    async def cleanup_persisted(
        self, lesson: LessonRedis, token: str, version: int
    ) -> CleanupOutcome:
        """Remove a persisted attendance from Redis if we still hold the lease and nothing
        changed since the snapshot at ``version``; then its index and due entries.

        ``changed``: something was written meanwhile, nothing deleted, persist again.
        ``lease_lost``: another worker may be on it, nothing deleted.
        """
        aid = str(lesson.attendance_id)
        indexes = index_keys(lesson)
        script_keys = [
            keys.lease(aid),
            keys.version(aid),
            keys.tombstone(aid),
            *keys.attendance_keys(aid),
        ]
        tombstone = json.dumps(indexes, ensure_ascii=False)
        outcome = text(
            await self._scripts.cleanup_persisted(
                keys=script_keys, args=[token, version, tombstone, TOMBSTONE_TTL_S]
            )
        )
        if outcome == "deleted":
            await self._unindex(aid, indexes)
        if outcome not in ("deleted", "changed", "lease_lost"):
            raise RuntimeError(f"cleanup_persisted.lua returned {outcome!r}")
        return outcome  # type: ignore[return-value]

    async def drop_due(self, attendance_id: UUID | str) -> None:
        """Forget a due id whose lesson no longer exists, and take it out of the indexes its
        tombstone names (a run that crashed after the cleanup left them)."""
        aid = str(attendance_id)
        raw = await self._redis.get(keys.tombstone(aid))
        await self._unindex(aid, [keys.live_index(), *_tombstone_indexes(aid, raw)])

    async def _unindex(self, aid: str, indexes: list[str]) -> None:
        """Other slots, so after the atomic delete, with the due entry and the tombstone
        last: until then the next run finds the id due and finishes the job."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for index in dict.fromkeys(indexes):
                pipe.srem(index, aid)
            pipe.zrem(keys.due(), aid)
            pipe.delete(keys.tombstone(aid))
            await pipe.execute()

    async def postpone_due(self, attendance_id: UUID | str, until: datetime) -> None:
        """Retry later (backoff, or not yet ended). XX: never re-adds an id cleaned up or
        dead-lettered meanwhile."""
        await self._redis.zadd(keys.due(), {str(attendance_id): epoch_seconds(until)}, xx=True)

    async def dead_letter(self, attendance_id: UUID | str, error: str, at: datetime) -> None:
        """Park an attendance that cannot be persisted: out of ``due``, data left in place.

        The dead-letter entry is written before the ZREM, so a crash between them leaves
        it in both places, never in neither.
        """
        aid = str(attendance_id)
        entry = json.dumps({"error": error, "at": format_utc(at)}, ensure_ascii=False)
        await self._redis.hset(keys.dead_letter(), aid, entry)
        await self._redis.zrem(keys.due(), aid)

    async def list_dead_letters(self) -> dict[str, dict[str, Any]]:
        entries = await self._redis.hgetall(keys.dead_letter())
        result: dict[str, dict[str, Any]] = {}
        for aid, raw in entries.items():
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = None
            result[text(aid)] = parsed if isinstance(parsed, dict) else {"error": text(raw)}
        return result

    async def count_dead_letters(self) -> int:
        """How many attendances wait for an admin (the dead-letter gauge)."""
        return int(await self._redis.hlen(keys.dead_letter()))

    async def requeue_dead_letter(self, attendance_id: UUID | str, now: datetime) -> bool:
        """Make a dead-lettered attendance due at ``now`` again; False if it was not
        dead-lettered.

        Due first, then out of the dead-letter hash: a crash between leaves it in both.
        """
        aid = str(attendance_id)
        if not await self._redis.hexists(keys.dead_letter(), aid):
            return False
        await self._redis.zadd(keys.due(), {aid: epoch_seconds(now)})
        return bool(await self._redis.hdel(keys.dead_letter(), aid))

    async def has_persistence(self) -> dict[str, bool | None]:
        """Whether the server writes an AOF / RDB snapshots; None where CONFIG is refused
        (managed Redis often disables it), so the app can warn instead of failing."""
        result: dict[str, bool | None] = {"aof": None, "rdb": None}
        try:
            appendonly = await self._redis.config_get("appendonly")
            save = await self._redis.config_get("save")
        except ResponseError as exc:
            log.info("CONFIG GET refused (%s); persistence settings unknown", exc)
            return result
        aof, rdb = appendonly.get("appendonly"), save.get("save")
        result["aof"] = None if aof is None else text(aof).lower() == "yes"
        result["rdb"] = None if rdb is None else bool(text(rdb).strip())
        return result


def _read_snapshot(pipe: Any, attendance_id: UUID | str) -> None:
    pipe.get(keys.lesson(attendance_id))
    pipe.hgetall(keys.records(attendance_id))
    pipe.get(keys.version(attendance_id))
    pipe.lrange(keys.audit(attendance_id), 0, -1)


def _snapshot(
    raw_lesson: Any, raw_records: Any, raw_version: Any, raw_audit: list[Any]
) -> AttendanceSnapshot | None:
    if raw_lesson is None:
        return None
    return AttendanceSnapshot(
        text(raw_lesson),
        _decoded(raw_records),
        int(raw_version or 0),
        [text(entry) for entry in raw_audit],
    )


def _decoded(pairs: dict[Any, Any]) -> dict[str, str]:
    """A hash as ``str``; already so from a decoding client (ATTN's are), which spares a
    conversion of every record of a 500-student attendance."""
    if isinstance(next(iter(pairs), ""), str):
        return pairs
    return {text(key): text(value) for key, value in pairs.items()}
