"""Attendance records: a student's check-in and a teacher's decisions, one hash per
attendance (``student_number`` -> JSON). Every write bumps the attendance's version in the
same atomic step, so persistence can tell whether anything changed while it worked."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from attn.db import keys
from attn.db.redis.base import MAX_CAS_ATTEMPTS, RedisBase, not_live, text
from attn.errors import (
    AttendanceDeleted,
    AttendanceEnded,
    AttendanceFinished,
    AttendanceNotStarted,
    Conflict,
    NotFound,
)
from attn.models import AttendanceRecordRedis, RecordStatus
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


_REFUSALS: dict[str, tuple[type[Conflict], str]] = {
    "deleted": (AttendanceDeleted, "was deleted"),
    "finished": (AttendanceFinished, "is finished"),
    "not_started": (AttendanceNotStarted, "has not started yet"),
    "ended": (AttendanceEnded, "has ended"),
}


class RecordsMixin(RedisBase):
    async def save_attendance_record_user(self, record: AttendanceRecordRedis) -> None:
        """Write a record whatever it held before (a teacher adding/editing by hand).

        Raises NotFound (``attendance_not_live``) once the attendance has left Redis: the
        write would otherwise land in a hash that nothing persists any more.
        """
        aid = record.attendance_id
        written = await self._scripts.save_record(
            keys=[keys.lesson(aid), keys.records(aid), keys.version(aid)],
            args=[record.student_number, record.to_json()],
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

    async def count_records(self, attendance_id: UUID | str) -> int:
        return int(await self._redis.hlen(keys.records(attendance_id)))

    async def check_in(self, record: AttendanceRecordRedis, now: datetime) -> CheckInResult:
        """A student's check-in, atomic in one script (see ``lua/check_in.lua``).

        Raises NotFound (``attendance_not_live``), AttendanceDeleted, AttendanceFinished,
        AttendanceNotStarted (``now < starts_at``), AttendanceEnded (``now >= ends_at``).
        """
        if record.decided_by != SELF:
            raise ValueError("check_in takes the student's own record (decided_by 'self')")
        aid = record.attendance_id
        reply = await self._scripts.check_in(
            keys=[keys.lesson(aid), keys.records(aid), keys.version(aid)],
            args=[record.student_number, record.to_json(), format_utc(now)],
        )
        code = text(reply[0])
        if code == "missing":
            raise not_live(aid)
        if code in _REFUSALS:
            error, why = _REFUSALS[code]
            raise error(f"attendance {aid} {why}")
        stored = AttendanceRecordRedis.from_json(text(reply[1]))
        return CheckInResult(record=stored, created=code == "created", replaced=code == "replaced")

    async def decide_record(
        self,
        attendance_id: UUID | str,
        student_number: str,
        *,
        status: RecordStatus,
        decided_by: str,
        fail_reason: str | None,
        now: datetime,
    ) -> AttendanceRecordRedis:
        """A teacher's accept / reject of an existing record, while the attendance is live
        or finished but not yet persisted.

        Raises NotFound ``attendance_not_live`` (lesson gone) or ``record_not_found``.
        """
        return await self._update_record(
            attendance_id,
            student_number,
            {
                "status": status,
                "decided_by": decided_by,
                "fail_reason": fail_reason,
                "updated_at": now,
            },
        )

    async def delete_record(self, attendance_id: UUID | str, student_number: str) -> bool:
        """Remove a record (bumping the version); True if there was one."""
        removed = await self._scripts.delete_record(
            keys=[keys.records(attendance_id), keys.version(attendance_id)],
            args=[student_number],
        )
        return bool(removed)

    async def _update_record(
        self, attendance_id: UUID | str, student_number: str, changes: dict[str, Any]
    ) -> AttendanceRecordRedis:
        """Read, change in Python (validated), write back by compare-and-set + version bump."""
        record_keys = [
            keys.lesson(attendance_id),
            keys.records(attendance_id),
            keys.version(attendance_id),
        ]
        for _attempt in range(MAX_CAS_ATTEMPTS):
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.exists(keys.lesson(attendance_id))
                pipe.hget(keys.records(attendance_id), student_number)
                lesson_exists, raw = await pipe.execute()
            if not lesson_exists:
                raise not_live(attendance_id)
            if raw is None:
                raise _record_not_found(attendance_id, student_number)
            current = AttendanceRecordRedis.from_json(raw)
            updated = AttendanceRecordRedis.model_validate({**current.model_dump(), **changes})
            outcome = text(
                await self._scripts.update_record(
                    keys=record_keys, args=[student_number, text(raw), updated.to_json()]
                )
            )
            if outcome == "ok":
                return updated
            if outcome == "missing_lesson":
                raise not_live(attendance_id)
            if outcome == "missing_record":
                raise _record_not_found(attendance_id, student_number)
        raise Conflict(f"record {student_number} kept changing; try again", code="busy")


def _record_not_found(attendance_id: UUID | str, student_number: str) -> NotFound:
    return NotFound(
        f"no record of {student_number} in attendance {attendance_id}", code="record_not_found"
    )
