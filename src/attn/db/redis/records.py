"""Attendance records: a student's check-in and a teacher's decisions, one hash per
attendance (``student_number`` -> JSON). Every write bumps the attendance's version in the
same atomic step, so persistence can tell whether anything changed while it worked."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import ValidationError
from redis.client import NEVER_DECODE

from attn.db import keys
from attn.db.outcomes import CheckInRefusal, CheckInRefused, KeptChanging, NoRecord
from attn.db.redis.base import MAX_CAS_ATTEMPTS, RedisBase, audit_arg, not_live, text
from attn.models import AttendanceRecordRedis, AuditEntryRedis, LessonRedis, RecordStatus
from attn.models.types import SELF, format_utc

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckInResult:
    """What a check-in left in Redis.

    ``created``: a new record; ``replaced``: a failed (rejected) self check-in was replaced;
    neither: the existing record (a teacher's decision, or an earlier good check-in) was
    kept and is returned unchanged.
    """

    record: AttendanceRecordRedis
    created: bool
    replaced: bool
    stored_json: str | None = field(default=None, compare=False)
    """The record's JSON as stored, when that is exactly ``record.to_json()`` (the script
    stores a plain first check-in as given; it re-encodes any record it changes): a
    caller may send it on without serialising the record again."""


@dataclass(frozen=True)
class LiveView:
    """A live attendance read in one round trip: its lesson and every record's stored JSON,
    and the live channel's last event id before them (``0-0``: none yet)."""

    lesson: LessonRedis
    raw_records: list[bytes]
    last_event_id: str = "0-0"
    roster: dict[str, str] | None = None
    """Read ``with_roster``: a course attendance's roster copy, number -> full name, by
    number (empty for an ad-hoc one)."""
    not_checked_in: dict[str, str] | None = None
    """Read ``with_roster``: those of :attr:`roster` without a record (of any status)."""

    @property
    def teacher_number(self) -> str:
        return self.lesson.teacher_number


DecisionAudit = Callable[[AttendanceRecordRedis, AttendanceRecordRedis], AuditEntryRedis]
"""Builds a decision's audit entry from the record before and after it (per attempt: a
compare-and-set retry may start from a different record)."""
DeletionAudit = Callable[[AttendanceRecordRedis], AuditEntryRedis]
"""Builds a deletion's audit entry from the record it removes."""

NOT_ENROLLED = "not_enrolled"
"""The ``fail_reason`` of a check-in to a course's attendance by a student not on its
roster: stored as a rejected attempt, which the teacher may accept (a walk-in)."""

_REFUSALS: dict[str, CheckInRefusal] = {
    "deleted": "deleted",
    "finished": "finished",
    "not_started": "not_started",
    "ended": "ended",
}
"""``lua/check_in.lua``'s refusal replies."""


def _roster(raw: dict[Any, Any]) -> dict[str, str]:
    named = {text(number): text(name) for number, name in raw.items()}
    return {number: named[number] for number in sorted(named)}


class RecordsMixin(RedisBase):
    async def save_attendance_record_user(
        self, record: AttendanceRecordRedis, *, audit: AuditEntryRedis | None = None
    ) -> None:
        """Write a record whatever it held before (a teacher adding/editing by hand), with
        the change's ``audit`` entry in the same step.

        Raises NotLive once the attendance has left Redis: the
        write would otherwise land in a hash that nothing persists any more.
        """
        aid = record.attendance_id
        written = await self._scripts.save_record(
            keys=[
                keys.lesson(aid),
                keys.records(aid),
                keys.version(aid),
                keys.audit(aid),
                keys.events(aid),
            ],
            args=[record.student_number, record.to_json(), audit_arg(audit), self._events_max],
        )
        if not written:
            raise not_live(aid)

    async def get_attendance_record_users(
        self, attendance_id: UUID | str
    ) -> list[AttendanceRecordRedis]:
        """Every record of the attendance, by student number (unparsable ones logged, skipped;
        persistence reads them raw and dead-letters them)."""
        raw = await self._redis.hgetall(keys.records(attendance_id))
        records: list[AttendanceRecordRedis] = []
        for student, value in raw.items():
            try:
                records.append(AttendanceRecordRedis.from_json(value))
            except ValidationError:
                log.warning("unparsable record %s/%s", attendance_id, text(student), exc_info=True)
        return sorted(records, key=lambda record: record.student_number)

    async def get_attendance_record(
        self, attendance_id: UUID | str, student_number: str
    ) -> AttendanceRecordRedis | None:
        raw = await self._redis.hget(keys.records(attendance_id), student_number)
        return None if raw is None else AttendanceRecordRedis.from_json(raw)

    async def live_view(
        self, attendance_id: UUID | str, *, with_roster: bool = False
    ) -> LiveView | None:
        """The lesson and its records as stored (and its roster copy ``with_roster``), in
        one round trip (a second one for a course's roster copy that is not empty, which
        only the roster's readers pay); None when the attendance is not in Redis.

        The records stay undecoded bytes (HVALS, ``NEVER_DECODE``): the teacher's view of a
        lecture hall passes thousands of them through to the response as they are, and
        decoding them to ``str`` only to encode them again costs more than the read. A
        MULTI would parse its EXEC reply decoded, so this is a plain pipeline: a view may
        pair the lesson with records a moment newer, which no reader can tell apart.

        The last event id is read first: a change landing in between is then both in the
        records and after that id, and a listener starting there sees it again (each event
        replaces or removes one row, so twice is harmless), never not at all.
        """
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.xrevrange(keys.events(attendance_id), count=1)
            pipe.get(keys.lesson(attendance_id))
            pipe.execute_command("HVALS", keys.records(attendance_id), **{NEVER_DECODE: True})
            if with_roster:
                pipe.hgetall(keys.roster(attendance_id))
            last, raw_lesson, raw_records, *more = await pipe.execute()
        if raw_lesson is None:
            return None
        roster = _roster(more[0]) if more else None
        waiting = None if roster is None else await self._without_record(attendance_id, roster)
        records = [raw if isinstance(raw, bytes) else raw.encode() for raw in raw_records]
        return LiveView(
            lesson=LessonRedis.from_json(raw_lesson),
            raw_records=records,
            last_event_id=text(last[0][0]) if last else "0-0",
            roster=roster,
            not_checked_in=waiting,
        )

    async def _without_record(
        self, attendance_id: UUID | str, roster: dict[str, str]
    ) -> dict[str, str]:
        """Those of ``roster`` without a record (of any status): the records' numbers are
        read only for a roster that is not empty, so an ad-hoc lesson costs nothing."""
        if not roster:
            return {}
        checked_in = {text(n) for n in await self._redis.hkeys(keys.records(attendance_id))}
        return {number: name for number, name in roster.items() if number not in checked_in}

    async def student_live_records(
        self, student_number: str
    ) -> list[tuple[LessonRedis, AttendanceRecordRedis]]:
        """The student's records in every attendance of the live index (open, or finished
        and not yet persisted; soft-deleted ones have left it), by start time.

        Three pipelined round trips whatever the number of live attendances: the index, the
        student's field in each records hash, then only the lessons where one was found.
        """
        ids = sorted(text(member) for member in await self._redis.smembers(keys.live_index()))
        if not ids:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for aid in ids:
                pipe.hget(keys.records(aid), student_number)
            raws: list[str | bytes | None] = await pipe.execute()
        hits = [(aid, raw) for aid, raw in zip(ids, raws, strict=True) if raw is not None]
        if not hits:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for aid, _raw in hits:
                pipe.get(keys.lesson(aid))
            lessons: list[str | bytes | None] = await pipe.execute()
        found: list[tuple[LessonRedis, AttendanceRecordRedis]] = []
        for (aid, raw), raw_lesson in zip(hits, lessons, strict=True):
            if raw is None or raw_lesson is None:
                continue  # persisted and removed between the round trips
            try:
                found.append(
                    (LessonRedis.from_json(raw_lesson), AttendanceRecordRedis.from_json(raw))
                )
            except ValidationError:
                log.warning("unparsable lesson or record %s/%s", aid, student_number)
        return sorted(found, key=lambda pair: (pair[0].starts_at, str(pair[0].attendance_id)))

    async def audit_outbox(self, attendance_id: UUID | str) -> list[AuditEntryRedis]:
        """The audit entries of a live attendance not yet moved to ``audit_log``, oldest
        first (persistence moves them when it stores the attendance)."""
        raws = await self._redis.lrange(keys.audit(attendance_id), 0, -1)
        return [AuditEntryRedis.from_json(raw) for raw in raws]

    async def count_records(self, attendance_id: UUID | str) -> int:
        return int(await self._redis.hlen(keys.records(attendance_id)))

    async def check_in(
        self,
        record: AttendanceRecordRedis,
        now: datetime,
        *,
        device_taken_reason: str | None = None,
    ) -> CheckInResult:
        """A student's check-in, atomic in one script (see ``lua/check_in.lua``); in a
        course's attendance one not on its roster copy is stored rejected, NOT_ENROLLED.

        With ``device_taken_reason`` (the ``device`` check is on) the record's ``device_id``
        is claimed for the student in the same step; if another student holds it, the
        record is stored as ``rejected`` with that reason. The attempt is noted for
        :meth:`device_sharing` unless the existing record is kept (nothing is written then).

        Raises NotLive, CheckInRefused (deleted, finished, ``not_started`` when
        ``now < starts_at``, ``ended`` when ``now >= ends_at``).
        """
        if record.decided_by != SELF:
            raise ValueError("check_in takes the student's own record (decided_by 'self')")
        aid = record.attendance_id
        given = record.to_json()
        own_keys = [keys.lesson, keys.records, keys.version, keys.events, keys.roster]
        script_keys = [key(aid) for key in own_keys]
        args = [record.student_number, given, format_utc(now), self._events_max, NOT_ENROLLED]
        if device_taken_reason is not None:
            if record.device_id is None:
                raise ValueError("the device check needs the record's device_id")
            script_keys += [keys.devices(aid), keys.device_attempts(aid)]
            args += [record.device_id, device_taken_reason]
        reply = await self._scripts.check_in(keys=script_keys, args=args)
        code = text(reply[0])
        if code == "missing":
            raise not_live(aid)
        if code in _REFUSALS:
            raise CheckInRefused(aid, _REFUSALS[code])
        created, replaced, stored = code == "created", code == "replaced", text(reply[1])
        if stored == given:  # no need to parse what was just serialised
            return CheckInResult(record, created, replaced, stored_json=stored)
        return CheckInResult(AttendanceRecordRedis.from_json(stored), created, replaced)

    async def decide_record(
        self,
        attendance_id: UUID | str,
        student_number: str,
        *,
        status: RecordStatus,
        decided_by: str,
        fail_reason: str | None,
        now: datetime,
        reason: str | None = None,
        audit: DecisionAudit | None = None,
    ) -> AttendanceRecordRedis:
        """A teacher's accept / reject of an existing record, while the attendance is live
        or finished but not yet persisted; ``reason`` is kept on the record and the entry
        ``audit`` builds is appended in the same step.

        Raises NotLive (lesson gone), NoRecord or KeptChanging.
        """
        changes = {
            "status": status,
            "decided_by": decided_by,
            "fail_reason": fail_reason,
            "decision_reason": reason,
            "updated_at": now,
        }
        return await self._update_record(attendance_id, student_number, lambda _: changes, audit)

    async def delete_record(
        self,
        attendance_id: UUID | str,
        student_number: str,
        *,
        audit: DeletionAudit | None = None,
    ) -> bool:
        """Remove a record (bumping the version); True if there was one.

        With ``audit`` the entry names the record removed: the record is read first and
        removed only if it is still that one (retried otherwise), with the entry.
        """
        script_keys = [
            keys.records(attendance_id),
            keys.version(attendance_id),
            keys.audit(attendance_id),
            keys.events(attendance_id),
        ]
        if audit is None:
            outcome = await self._scripts.delete_record(
                keys=script_keys, args=[student_number, "", "", self._events_max]
            )
            return text(outcome) == "deleted"
        for _attempt in range(MAX_CAS_ATTEMPTS):
            raw = await self._redis.hget(keys.records(attendance_id), student_number)
            if raw is None:
                return False
            entry = audit(AttendanceRecordRedis.from_json(raw))
            outcome = text(
                await self._scripts.delete_record(
                    keys=script_keys,
                    args=[student_number, text(raw), entry.to_json(), self._events_max],
                )
            )
            if outcome != "changed":
                return outcome == "deleted"
        raise KeptChanging(f"record {student_number}")

    async def _update_record(
        self,
        attendance_id: UUID | str,
        student_number: str,
        change: Callable[[AttendanceRecordRedis], dict[str, Any]],
        audit: DecisionAudit | None = None,
    ) -> AttendanceRecordRedis:
        """Read, change in Python (validated), write back by compare-and-set + version bump
        (and the audit entry built from the record before and after).

        ``change(current)`` returns the fields to set; it may raise to refuse the change.
        Retried from a fresh read whenever the record moved in between.
        """
        record_keys = [
            keys.lesson(attendance_id),
            keys.records(attendance_id),
            keys.version(attendance_id),
            keys.audit(attendance_id),
            keys.events(attendance_id),
        ]
        for _attempt in range(MAX_CAS_ATTEMPTS):
            raw = await self._live_record(attendance_id, student_number)
            current = AttendanceRecordRedis.from_json(raw)
            updated = AttendanceRecordRedis.model_validate(
                {**current.model_dump(), **change(current)}
            )
            entry = "" if audit is None else audit(current, updated).to_json()
            outcome = text(
                await self._scripts.update_record(
                    keys=record_keys,
                    args=[student_number, text(raw), updated.to_json(), entry, self._events_max],
                )
            )
            if outcome == "ok":
                return updated
            if outcome == "missing_lesson":
                raise not_live(attendance_id)
            if outcome == "missing_record":
                raise NoRecord(attendance_id, student_number)
        raise KeptChanging(f"record {student_number}")

    async def _live_record(self, attendance_id: UUID | str, student_number: str) -> str:
        """The record's stored JSON, read with the lesson's existence in one step."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.exists(keys.lesson(attendance_id))
            pipe.hget(keys.records(attendance_id), student_number)
            lesson_exists, raw = await pipe.execute()
        if not lesson_exists:
            raise not_live(attendance_id)
        if raw is None:
            raise NoRecord(attendance_id, student_number)
        return text(raw)
