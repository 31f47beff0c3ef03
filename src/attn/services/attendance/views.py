"""The API views of an attendance and its records, live or stored, in the same shapes.

The teacher's views return ready JSON (see :func:`live_records_json`) so a lecture hall of
records is served without building a model per record.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from uuid import UUID

import pydantic_core
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.redis.records import LiveView
from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.db.sql.rows import AttendanceRow, RecordRow
from attn.models import (
    AttendanceRecordRedis,
    LessonRedis,
    RecordStatus,
    UserRedis,
)
from attn.models.api_attendances import (
    AttendanceOut,
    ExpectedStudent,
    RecordOut,
    RecordsSummary,
)
from attn.services.attendance.locate import live_or_archived, user_names
from attn.services.attendance.rules import (
    lesson_state,
    row_state,
    stored_checks,
)

log = logging.getLogger(__name__)

RECORD_LIST: TypeAdapter[list[RecordOut]] = TypeAdapter(list[RecordOut])
RECORD_FIELDS = frozenset(RecordOut.model_fields)


def lesson_out(lesson: LessonRedis, now: datetime) -> AttendanceOut:
    return AttendanceOut(
        attendance_id=lesson.attendance_id,
        lesson_name=lesson.lesson_name,
        course_id=lesson.course_id,
        teacher_number=lesson.teacher_number,
        teacher_full_name=lesson.teacher_full_name,
        starts_at=lesson.starts_at,
        ends_at=lesson.ends_at,
        late_after_minutes=lesson.late_after_minutes,
        checks=lesson.checks,
        state=lesson_state(lesson, now),
        source="live",
        created_at=lesson.created_at,
        finished_at=lesson.finished_at,
        deleted_at=lesson.deleted_at,
        deletion_reason=lesson.deletion_reason,
        persisted_at=None,
    )


def row_out(row: AttendanceRow, teacher_full_name: str, now: datetime) -> AttendanceOut:
    return AttendanceOut(
        attendance_id=row.attendance_id,
        lesson_name=row.lesson_name,
        course_id=row.course_id,
        teacher_number=row.teacher_number,
        teacher_full_name=teacher_full_name,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        late_after_minutes=row.late_after_minutes,
        checks=stored_checks(row.settings),
        state=row_state(row, now),
        source="archive",
        created_at=row.created_at,
        finished_at=row.finished_at,
        deleted_at=row.deleted_at,
        deletion_reason=row.deletion_reason,
        persisted_at=row.persisted_at,
    )


def record_out(record: AttendanceRecordRedis) -> RecordOut:
    return RecordOut.model_validate(record.model_dump())


def for_student(record: RecordOut) -> RecordOut:
    """A student's own record as they see it: a rejection's reason tells them why; the
    reasons of other decisions are notes for the teacher."""
    if record.decision_reason is None or record.status is RecordStatus.REJECTED:
        return record
    return record.model_copy(update={"decision_reason": None})


def row_record_out(row: RecordRow, full_name: str) -> RecordOut:
    return RecordOut(
        attendance_id=row.attendance_id,
        student_number=row.student_number,
        user_full_name=full_name,
        status=row.status,
        checked_in_at=row.checked_in_at,
        fail_reason=row.fail_reason,
        decided_by=row.decided_by,
        client_ip=row.client_ip,
        device_id=row.device_id,
        attempt_count=row.attempt_count,
        updated_at=row.updated_at,
        decision_reason=row.decision_reason,
    )


def live_records_json(raw_records: list[bytes]) -> bytes:
    """The JSON array of stored records, by student number, without a model per record.

    Records reach Redis only through the validated models, so this checks their shape, not
    every value: the joined list must parse as JSON (pydantic-core's parser, one call for
    the whole list) and each record must have exactly ``RecordOut``'s fields. The stored
    bytes are then passed through in order: a model per record, or a round trip through
    the Redis model, costs several times that parse for a lecture hall
    (docs/performance.md#live-records-view). A record of any other shape sends the list
    down the slow path, which validates each one and skips bad ones (as
    ``get_attendance_record_users`` does).
    """
    if not raw_records:
        return b"[]"
    try:
        parsed = pydantic_core.from_json(b"[" + b",".join(raw_records) + b"]")
    except ValueError:
        return records_json(_parse_each(raw_records))
    if len(parsed) != len(raw_records) or not all(map(_record_shaped, parsed)):
        return records_json(_parse_each(raw_records))
    order = sorted(range(len(parsed)), key=lambda index: parsed[index]["student_number"])
    return b"[" + b",".join([raw_records[index] for index in order]) + b"]"


def _record_shaped(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and item.keys() == RECORD_FIELDS
        and isinstance(item["student_number"], str)
    )


def _parse_each(raw_records: list[bytes]) -> list[RecordOut]:
    records: list[RecordOut] = []
    for raw in raw_records:
        try:
            records.append(record_out(AttendanceRecordRedis.from_json(raw)))
        except ValidationError:
            log.warning("unparsable record skipped in a teacher's view: %.200r", raw)
    return records


def records_json(records: list[RecordOut]) -> bytes:
    return RECORD_LIST.dump_json(sorted(records, key=lambda record: record.student_number))


def with_records(header: BaseModel, records: bytes) -> bytes:
    """``header``'s JSON object with a ``records`` member holding the array ``records``."""
    head = header.model_dump_json().encode()
    return head[:-1] + b',"records":' + records + b"}"


async def attendance_detail(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    attendance_id: UUID,
    now: datetime,
) -> bytes:
    """``AttendanceDetailOut`` JSON: live from Redis, else from SQL, the same shape."""

    async def live(view: LiveView) -> bytes:
        return with_records(lesson_out(view.lesson, now), live_records_json(view.raw_records))

    async def stored(row: AttendanceRow) -> bytes:
        records, names = await archived_records(session, row)
        return with_records(row_out(row, names[row.teacher_number], now), records_json(records))

    found = await redis.live_view(attendance_id)
    return await live_or_archived(session, user, attendance_id, found, live, stored)


async def attendance_records(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    attendance_id: UUID,
    now: datetime,
) -> bytes:
    """``RecordsOut`` JSON: the teacher's list, live from Redis, else from SQL."""

    async def live(view: LiveView) -> bytes:
        state, count = lesson_state(view.lesson, now), len(view.raw_records)
        summary = RecordsSummary(
            attendance_id=attendance_id,
            source="live",
            state=state,
            count=count,
            last_event_id=view.last_event_id,
            not_checked_in=expected_students(view),
        )
        return with_records(summary, live_records_json(view.raw_records))

    async def stored(row: AttendanceRow) -> bytes:
        records, _names = await archived_records(session, row)
        state, count = row_state(row, now), len(records)
        summary = RecordsSummary(
            attendance_id=attendance_id, source="archive", state=state, count=count
        )
        return with_records(summary, records_json(records))

    found = await redis.live_view(attendance_id, with_roster=True)
    return await live_or_archived(session, user, attendance_id, found, live, stored)


def expected_students(view: LiveView) -> list[ExpectedStudent] | None:
    """Who of a course attendance's roster has not checked in yet (None: ad-hoc)."""
    if view.lesson.course_id is None or view.not_checked_in is None:
        return None
    return [
        ExpectedStudent(student_number=number, full_name=name)
        for number, name in view.not_checked_in.items()
    ]


async def archived_records(
    session: AsyncSession, row: AttendanceRow
) -> tuple[list[RecordOut], dict[str, str]]:
    """The stored records that are not deleted (also of a deleted attendance, which only
    its teacher and admins see) and the names of everyone involved."""
    rows = await repository.list_records(session, row.attendance_id, include_deleted=True)
    rows = [record for record in rows if record.deleted_at is None]
    names = await user_names(session, [row.teacher_number, *(r.student_number for r in rows)])
    return [row_record_out(r, names[r.student_number]) for r in rows], names
