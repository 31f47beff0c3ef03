"""Lessons (live attendances) and the indexes that find them.

A lesson's own keys share the hash tag ``{aid}`` and change atomically; the indexes live in
other slots and change with single-key commands after the lesson write. Every index is
therefore allowed to hold ids whose lesson is already gone: readers skip them and remove
them lazily.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from attn.db import keys
from attn.db.outcomes import KeptChanging, LessonClosed, LessonExists
from attn.db.redis.base import (
    MAX_CAS_ATTEMPTS,
    RedisBase,
    audit_arg,
    epoch_seconds,
    not_live,
    text,
)
from attn.models import AuditEntryRedis, LessonRedis
from attn.models.types import contains_words, format_utc, name_words

log = logging.getLogger(__name__)


def _exact_name(value: str) -> str:
    """What exact discovery compares: the name's words, sorted, so that neither word order
    nor punctuation matters (``Yılmaz, Ayşe`` is ``Ayşe Yılmaz``)."""
    return " ".join(sorted(name_words(value)))


def name_key(lesson: LessonRedis) -> str:
    """The discovery index entry of a lesson (exact teacher and lesson names)."""
    return _name_index(lesson.teacher_full_name, lesson.lesson_name)


def index_keys(lesson: LessonRedis) -> list[str]:
    """Every index set that may hold the lesson's id: its name keys, the teacher's, its
    course's, live."""
    course = [] if lesson.course_id is None else [keys.course_index(lesson.course_id)]
    return [
        *_name_keys(lesson.teacher_full_name, lesson.lesson_name),
        keys.teacher_index(lesson.teacher_number),
        *course,
        keys.live_index(),
    ]


def roster_arg(roster: Mapping[str, str]) -> str:
    """A roster as the scripts take it: a flat JSON array, number, name, number, name."""
    flat = [part for pair in sorted(roster.items()) for part in pair]
    return json.dumps(flat, ensure_ascii=False)


def _name_index(teacher_name: str, lesson_name: str) -> str:
    return keys.name_index(_exact_name(teacher_name), _exact_name(lesson_name))


def _name_keys(teacher_name: str, lesson_name: str) -> list[str]:
    """The index key of these names, and the legacy one too when it is another key."""
    key = _name_index(teacher_name, lesson_name)
    legacy = keys.name_index(_legacy_name(teacher_name), _legacy_name(lesson_name))
    return [key] if legacy == key else [key, legacy]


# Legacy: delete with _name_keys' second key once every attendance started before issue 11
# shipped is persisted (the longest attendance plus the persistence lag after the deploy).
def _legacy_name(value: str) -> str:
    """``normalize_name`` before issue 11 (Turkish i and case only): older lessons are
    indexed under it."""
    value = unicodedata.normalize("NFKC", value)
    value = value.replace("İ", "i").replace("I", "i").replace("ı", "i")
    value = value.casefold()
    value = unicodedata.normalize("NFKD", value)
    value = "".join(ch for ch in value if ch != "\u0307")  # the dot casefold leaves on İ
    value = unicodedata.normalize("NFC", value)
    return re.sub(r"\s+", " ", value).strip()


def lesson_event(lesson: LessonRedis) -> str:
    """The data of a lesson's live-channel event (started, finished, deleted): what a
    listening page needs to change its state, not the whole lesson."""
    return json.dumps(
        {
            "attendance_id": str(lesson.attendance_id),
            "finished_at": _utc_or_none(lesson.finished_at),
            "deleted_at": _utc_or_none(lesson.deleted_at),
            "deletion_reason": lesson.deletion_reason,
        },
        ensure_ascii=False,
    )


def _utc_or_none(at: datetime | None) -> str | None:
    return None if at is None else format_utc(at)


def is_open(lesson: LessonRedis) -> bool:
    return lesson.finished_at is None and lesson.deleted_at is None


def _by_start(lessons: Iterable[LessonRedis]) -> list[LessonRedis]:
    return sorted(lessons, key=lambda lesson: (lesson.starts_at, str(lesson.attendance_id)))


class LessonsMixin(RedisBase):
    async def save_lesson(self, attendance_id: UUID | str, lesson: LessonRedis) -> None:
        """Overwrite a lesson's JSON, bumping its version in the same MULTI."""
        if str(lesson.attendance_id) != str(attendance_id):
            raise ValueError(
                f"lesson.attendance_id {lesson.attendance_id} != attendance_id {attendance_id}"
            )
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.lesson(attendance_id), lesson.to_json())
            pipe.incr(keys.version(attendance_id))
            await pipe.execute()

    async def get_lesson(self, attendance_id: UUID | str) -> LessonRedis | None:
        raw = await self._redis.get(keys.lesson(attendance_id))
        return None if raw is None else LessonRedis.from_json(raw)

    async def get_lessons(self, ids: Iterable[UUID | str]) -> list[LessonRedis]:
        """Lessons for ``ids`` in one round trip, in order, skipping missing ones."""
        found, _missing = await self._fetch_lessons([str(aid) for aid in ids])
        return found

    async def create_lesson(
        self,
        lesson: LessonRedis,
        due_at: datetime,
        *,
        audit: AuditEntryRedis | None = None,
        roster: Mapping[str, str] | None = None,
    ) -> None:
        """Start an attendance (with the start's ``audit`` entry and, for a course's lesson,
        its ``roster``, number -> full name, in the same step). Raises
        :class:`LessonExists` if the id already exists.

        The ``due`` entry is written first: a crash after it leaves at worst a due id without
        a lesson (the worker drops it), never a lesson that nothing will persist. ZADD NX
        keeps an existing entry's score, so a colliding id cannot pull another attendance
        forward. The indexes come last; until then the lesson is only not yet discoverable.
        """
        if (roster is None) != (lesson.course_id is None):
            raise ValueError("a course's lesson takes its roster, an ad-hoc one none")
        aid = str(lesson.attendance_id)
        await self._redis.zadd(keys.due(), {aid: epoch_seconds(due_at)}, nx=True)
        own_keys = [keys.lesson, keys.version, keys.audit, keys.events, keys.roster]
        created = await self._scripts.create_lesson(
            keys=[key(aid) for key in own_keys],
            args=[lesson.to_json(), audit_arg(audit), lesson_event(lesson), self._events_max,
                  "" if roster is None else roster_arg(roster)],
        )  # fmt: skip
        if not created:
            raise LessonExists(aid)
        async with self._redis.pipeline(transaction=False) as pipe:
            if lesson.course_id is not None:
                pipe.sadd(keys.course_index(lesson.course_id), aid)
            pipe.sadd(keys.teacher_index(lesson.teacher_number), aid)
            pipe.sadd(name_key(lesson), aid)
            pipe.sadd(keys.live_index(), aid)
            await pipe.execute()

    async def find_lessons(self, teacher_name: str, lesson_name: str) -> list[LessonRedis]:
        """Open lessons whose teacher and lesson names have the given ones' words (folded,
        in any order): one index lookup, plus the legacy key in the same round trip."""
        teacher, name = _exact_name(teacher_name), _exact_name(lesson_name)
        if not teacher or not name:
            return []
        lessons = await self._index_lessons(*_name_keys(teacher_name, lesson_name))
        return [
            lesson
            for lesson in lessons
            if is_open(lesson)
            # A legacy key joins names that may contain ':' with ':': check both names.
            and _exact_name(lesson.teacher_full_name) == teacher
            and _exact_name(lesson.lesson_name) == name
        ]

    async def search_lessons(self, teacher_query: str, lesson_query: str) -> list[LessonRedis]:
        """Open lessons with every word of each query inside some word of the teacher's or
        the lesson's name, in any order (``contains_words``; an empty query matches all).

        Reads the live index, which only ever holds attendances not yet persisted, so the
        scan is bounded by what is happening now, not by history.
        """
        teacher, name = name_words(teacher_query), name_words(lesson_query)
        lessons = await self._index_lessons(keys.live_index())
        return [
            lesson
            for lesson in lessons
            if is_open(lesson)
            and contains_words(lesson.teacher_full_name, teacher)
            and contains_words(lesson.lesson_name, name)
        ]

    async def teacher_lessons(self, teacher_number: str) -> list[LessonRedis]:
        """Everything of the teacher still in Redis: open, finished or soft-deleted but not
        yet persisted (filter on ``finished_at`` / ``deleted_at``), by start time."""
        return await self._index_lessons(keys.teacher_index(teacher_number))

    async def live_lessons(self) -> list[LessonRedis]:
        """Every attendance in the live index (open, or finished but not yet persisted;
        soft-deleted ones leave it at once), by start time."""
        return await self._index_lessons(keys.live_index())

    async def finish_lesson(
        self,
        attendance_id: UUID | str,
        finished_at: datetime,
        *,
        audit: AuditEntryRedis | None = None,
    ) -> LessonRedis:
        """Close an attendance (``audit`` appended in the same step) and make it due for
        persistence at ``finished_at``.

        Raises NotLive, LessonClosed (deleted or finished).
        It leaves the name index (no longer discoverable) but stays in the teacher's index
        until persisted, so the teacher can still review and correct it.
        """
        lesson = await self._update_lesson(
            attendance_id,
            lambda _current: {"finished_at": finished_at},
            refuse_finished=True,
            audit=audit,
            event="finished",
        )
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zadd(keys.due(), {str(attendance_id): epoch_seconds(finished_at)})
            for index in _name_keys(lesson.teacher_full_name, lesson.lesson_name):
                pipe.srem(index, str(attendance_id))
            await pipe.execute()
        return lesson

    async def soft_delete_lesson(
        self,
        attendance_id: UUID | str,
        reason: str,
        at: datetime,
        *,
        audit: AuditEntryRedis | None = None,
    ) -> LessonRedis:
        """Mark an attendance deleted (finishing it too) and make it due now, so the
        database keeps it, with the reason, out of normal queries.

        Raises NotLive, LessonClosed (deleted).
        """
        lesson = await self._update_lesson(
            attendance_id,
            lambda current: {
                "deleted_at": at,
                "deletion_reason": reason,
                "finished_at": current.finished_at or at,
            },
            refuse_finished=False,
            audit=audit,
            event="deleted",
        )
        aid = str(attendance_id)
        async with self._redis.pipeline(transaction=False) as pipe:
            for index in _name_keys(lesson.teacher_full_name, lesson.lesson_name):
                pipe.srem(index, aid)
            pipe.srem(keys.live_index(), aid)
            pipe.zadd(keys.due(), {aid: epoch_seconds(at)})
            await pipe.execute()
        return lesson

    async def acquire_teacher_start_lock(
        self, teacher_number: str, token: str, ttl_ms: int
    ) -> bool:
        """Take the teacher's start lock (SET NX PX); False while another start holds it.

        Creating an attendance spans slots (lesson keys, teacher index), so "no live
        attendance yet, create one" cannot be one script; this short lock serialises it per
        teacher instead. The TTL frees it if the holder dies.
        """
        lock = keys.teacher_start_lock(teacher_number)
        return bool(await self._redis.set(lock, token, nx=True, px=ttl_ms))

    async def release_teacher_start_lock(self, teacher_number: str, token: str) -> None:
        """Drop the start lock only if ``token`` still holds it (release_lease.lua is the
        generic compare-and-delete)."""
        await self._scripts.release_lease(
            keys=[keys.teacher_start_lock(teacher_number)], args=[token]
        )

    async def _update_lesson(
        self,
        attendance_id: UUID | str,
        changes: Callable[[LessonRedis], dict[str, Any]],
        *,
        refuse_finished: bool,
        audit: AuditEntryRedis | None,
        event: str,
    ) -> LessonRedis:
        """Read, change in Python (validated), write back by compare-and-set + version bump
        (and the change's audit entry and live-channel ``event``)."""
        lesson_key = keys.lesson(attendance_id)
        script_keys = [
            lesson_key,
            keys.version(attendance_id),
            keys.audit(attendance_id),
            keys.events(attendance_id),
        ]
        fixed = ["1" if refuse_finished else "0", "1", audit_arg(audit), event]
        for _attempt in range(MAX_CAS_ATTEMPTS):
            raw = await self._redis.get(lesson_key)
            if raw is None:
                raise not_live(attendance_id)
            current = LessonRedis.from_json(raw)
            updated = LessonRedis.model_validate({**current.model_dump(), **changes(current)})
            outcome = text(
                await self._scripts.update_lesson(
                    keys=script_keys,
                    args=[raw, updated.to_json(), *fixed, lesson_event(updated), self._events_max],
                )
            )
            if outcome == "ok":
                return updated
            if outcome == "missing":
                raise not_live(attendance_id)
            if outcome == "deleted":
                raise LessonClosed(attendance_id, "deleted")
            if outcome == "finished":
                raise LessonClosed(attendance_id, "finished")
        raise KeptChanging(f"attendance {attendance_id}")

    async def _index_lessons(self, *index_keys: str) -> list[LessonRedis]:
        """The lessons some index sets name, by start time; drops ids whose lesson is gone."""
        members = await self._members_of(index_keys)
        ids = sorted({aid for ids_there in members for aid in ids_there})
        found, missing = await self._fetch_lessons(ids)
        for index_key, ids_there in zip(index_keys, members, strict=True):
            if stale := ids_there.intersection(missing):
                await self._redis.srem(index_key, *sorted(stale))
        return _by_start(found)

    async def _members_of(self, index_keys: tuple[str, ...]) -> list[set[str]]:
        """Each set's members in one round trip: SMEMBERS each, not SUNION, which would be
        CROSSSLOT on a cluster (the index keys have no hash tag)."""
        if len(index_keys) == 1:
            return [{text(member) for member in await self._redis.smembers(index_keys[0])}]
        async with self._redis.pipeline(transaction=False) as pipe:
            for index_key in index_keys:
                pipe.smembers(index_key)
            replies: list[set[str | bytes]] = await pipe.execute()
        return [{text(member) for member in reply} for reply in replies]

    async def _fetch_lessons(self, ids: list[str]) -> tuple[list[LessonRedis], list[str]]:
        """(lessons found, ids without a lesson) in one pipelined round trip."""
        if not ids:
            return [], []
        async with self._redis.pipeline(transaction=False) as pipe:
            for aid in ids:
                pipe.get(keys.lesson(aid))
            raws: list[str | bytes | None] = await pipe.execute()
        found: list[LessonRedis] = []
        missing: list[str] = []
        for aid, raw in zip(ids, raws, strict=True):
            if raw is None:
                missing.append(aid)
                continue
            try:
                found.append(LessonRedis.from_json(raw))
            except ValidationError:
                # One corrupt lesson must not hide every other one; persistence
                # dead-letters it when it comes due.
                log.warning("unparsable lesson in redis: %s", aid, exc_info=True)
        return found, missing
