"""Attendances and their records: idempotent bulk upserts, history reads, soft deletion.

A soft-deleted attendance hides its records too: every normal read joins on a live
attendance, so a deleted session vanishes from teacher and student history alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import ColumnElement, CursorResult, Select, Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.sql._dml import Insert, any_changed, chunked, insert_for, last_per_key
from attn.db.sql.rows import AttendanceRow, Page, RecordRow, StudentRecordRow
from attn.db.sql.tables import ATTENDANCE_CONTENT, ATTENDANCES, RECORD_CONTENT, RECORDS
from attn.models.types import SELF, RecordStatus, as_uuid, name_words


def _deletion_sticks(table: Table, excluded: Any) -> dict[str, Any]:
    """Keep an existing soft deletion: replaying Redis data must never undelete a row."""
    return {
        "deleted_at": func.coalesce(table.c.deleted_at, excluded.deleted_at),
        "deletion_reason": func.coalesce(table.c.deletion_reason, excluded.deletion_reason),
    }


def _newly_deleted(table: Table, excluded: Any) -> ColumnElement[bool]:
    condition: ColumnElement[bool] = table.c.deleted_at.is_(None) & excluded.deleted_at.is_not(None)
    return condition


def attendance_upsert(stmt: Insert) -> Insert:
    """``stmt``, an ``INSERT`` into ``attendances``, as the upsert of :func:`upsert_attendance`
    (the persistence job builds it once, ``db.sql.bulk``)."""
    excluded = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=[ATTENDANCES.c.attendance_id],
        set_={
            **{name: excluded[name] for name in (*ATTENDANCE_CONTENT, "persisted_at")},
            **_deletion_sticks(ATTENDANCES, excluded),
        },
        where=any_changed(ATTENDANCES, excluded, ATTENDANCE_CONTENT)
        | _newly_deleted(ATTENDANCES, excluded),
    )


async def upsert_attendance(session: AsyncSession, row: AttendanceRow) -> None:
    """Insert the attendance, or bring the stored one up to date with ``row``.

    Nothing is written when the content is unchanged, so ``persisted_at`` keeps the time of
    the last real change and replaying the same attendance is a no-op.
    """
    stmt = insert_for(session, ATTENDANCES).values(row.to_params())
    await session.execute(attendance_upsert(stmt))


async def upsert_records(session: AsyncSession, rows: Sequence[RecordRow]) -> None:
    """Insert or update many records at once (multi-row, chunked ``INSERT ... ON CONFLICT``).

    The incoming row is the truth for every mutable column: while an attendance is live,
    Redis holds the authoritative state and SQL mirrors it. Unchanged rows are not written.
    """

    def key(row: RecordRow) -> tuple[str, str]:
        return (str(row.attendance_id), row.student_number)

    # Sorted: concurrent writers then lock overlapping rows in one order (no deadlocks).
    unique = sorted(last_per_key(rows, key), key=key)
    if not unique:
        return
    columns = len(unique[0].to_params())
    for chunk in chunked(session, unique, columns):
        stmt = insert_for(session, RECORDS).values([row.to_params() for row in chunk])
        excluded = stmt.excluded
        stmt = stmt.on_conflict_do_update(
            index_elements=[RECORDS.c.attendance_id, RECORDS.c.student_number],
            set_={
                **{name: excluded[name] for name in RECORD_CONTENT},
                **_deletion_sticks(RECORDS, excluded),
            },
            where=any_changed(RECORDS, excluded, RECORD_CONTENT)
            | _newly_deleted(RECORDS, excluded),
        )
        await session.execute(stmt)


async def get_attendance(
    session: AsyncSession, attendance_id: UUID | str, *, include_deleted: bool = False
) -> AttendanceRow | None:
    attendance_id = as_uuid(attendance_id)
    stmt = select(ATTENDANCES).where(ATTENDANCES.c.attendance_id == attendance_id)
    if not include_deleted:
        stmt = stmt.where(ATTENDANCES.c.deleted_at.is_(None))
    found = (await session.execute(stmt)).mappings().first()
    return None if found is None else AttendanceRow.from_mapping(found)


async def list_records(
    session: AsyncSession, attendance_id: UUID | str, *, include_deleted: bool = False
) -> list[RecordRow]:
    """The records of one attendance by student number (none if the attendance is deleted)."""
    attendance_id = as_uuid(attendance_id)
    stmt = (
        select(RECORDS)
        .join(ATTENDANCES, ATTENDANCES.c.attendance_id == RECORDS.c.attendance_id)
        .where(RECORDS.c.attendance_id == attendance_id)
        .order_by(RECORDS.c.student_number)
    )
    if not include_deleted:
        stmt = stmt.where(RECORDS.c.deleted_at.is_(None), ATTENDANCES.c.deleted_at.is_(None))
    result = await session.execute(stmt)
    return [RecordRow.from_mapping(row) for row in result.mappings()]


async def get_record(
    session: AsyncSession,
    attendance_id: UUID | str,
    student_number: str,
    *,
    include_deleted: bool = False,
) -> RecordRow | None:
    """One record, whatever the state of its attendance (the caller checks that)."""
    attendance_id = as_uuid(attendance_id)
    stmt = select(RECORDS).where(
        RECORDS.c.attendance_id == attendance_id, RECORDS.c.student_number == student_number
    )
    if not include_deleted:
        stmt = stmt.where(RECORDS.c.deleted_at.is_(None))
    found = (await session.execute(stmt)).mappings().first()
    return None if found is None else RecordRow.from_mapping(found)


async def list_attendances(
    session: AsyncSession,
    *,
    teacher_number: str | None = None,
    lesson_name: str | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    include_deleted: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> Page[AttendanceRow]:
    """History, newest first: ``date_from <= starts_at < date_to``.

    ``lesson_name`` matches forgivingly, as live search does: every word of it (folded by
    ``normalize_name``: case, Turkish letters, diacritics, punctuation) must be part of
    some word of the lesson's name, in any order.
    """
    conditions = _history_conditions(
        teacher_number, lesson_name, date_from, date_to, include_deleted=include_deleted
    )
    total = await session.scalar(select(func.count()).select_from(ATTENDANCES).where(*conditions))
    result = await session.execute(
        select(ATTENDANCES)
        .where(*conditions)
        .order_by(ATTENDANCES.c.starts_at.desc(), ATTENDANCES.c.attendance_id)
        .limit(limit)
        .offset(offset)
    )
    return Page([AttendanceRow.from_mapping(row) for row in result.mappings()], total or 0)


def _history_conditions(
    teacher_number: str | None,
    lesson_name: str | None,
    date_from: datetime | None,
    date_to: datetime | None,
    *,
    include_deleted: bool,
) -> list[ColumnElement[bool]]:
    """The WHERE of :func:`list_attendances`."""
    conditions: list[ColumnElement[bool]] = []
    if teacher_number is not None:
        conditions.append(ATTENDANCES.c.teacher_number == teacher_number)
    if lesson_name is not None:
        # a part of each word is enough ("yap veri" finds "Veri Yapıları"), as in discovery
        conditions.extend(
            ATTENDANCES.c.lesson_key.contains(word, autoescape=True)
            for word in name_words(lesson_name)
        )
    if date_from is not None:
        conditions.append(ATTENDANCES.c.starts_at >= date_from)
    if date_to is not None:
        conditions.append(ATTENDANCES.c.starts_at < date_to)
    if not include_deleted:
        conditions.append(ATTENDANCES.c.deleted_at.is_(None))
    return conditions


async def recent_lesson_names(
    session: AsyncSession, teacher_number: str, *, limit: int = 20
) -> list[str]:
    """The teacher's lesson names, the most recently started first, each once (deleted
    attendances left out): the suggestions of the start form."""
    latest = func.max(ATTENDANCES.c.starts_at)
    result = await session.execute(
        select(ATTENDANCES.c.lesson_name)
        .where(ATTENDANCES.c.teacher_number == teacher_number, ATTENDANCES.c.deleted_at.is_(None))
        .group_by(ATTENDANCES.c.lesson_name)
        .order_by(latest.desc(), ATTENDANCES.c.lesson_name)
        .limit(limit)
    )
    return list(result.scalars())


async def count_records(
    session: AsyncSession, attendance_ids: Sequence[UUID]
) -> dict[UUID, dict[RecordStatus, int]]:
    """How many records of each status the attendances hold (deleted records left out);
    an attendance without records is absent. One grouped query for a page of history."""
    if not attendance_ids:
        return {}
    result = await session.execute(
        select(RECORDS.c.attendance_id, RECORDS.c.status, func.count())
        .where(RECORDS.c.attendance_id.in_(attendance_ids), RECORDS.c.deleted_at.is_(None))
        .group_by(RECORDS.c.attendance_id, RECORDS.c.status)
    )
    counts: dict[UUID, dict[RecordStatus, int]] = {}
    for attendance_id, status, count in result:
        counts.setdefault(as_uuid(attendance_id), {})[RecordStatus(status)] = count
    return counts


async def list_student_records(
    session: AsyncSession, student_number: str, *, limit: int = 50, offset: int = 0
) -> Page[StudentRecordRow]:
    """A student's live records with their attendances, newest attendance first."""
    base: Select[Any] = (
        select(RECORDS, *_prefixed_attendance_columns())
        .join(ATTENDANCES, ATTENDANCES.c.attendance_id == RECORDS.c.attendance_id)
        .where(
            RECORDS.c.student_number == student_number,
            RECORDS.c.deleted_at.is_(None),
            ATTENDANCES.c.deleted_at.is_(None),
        )
    )
    total = await session.scalar(select(func.count()).select_from(base.subquery()))
    result = await session.execute(
        base.order_by(ATTENDANCES.c.starts_at.desc(), ATTENDANCES.c.attendance_id)
        .limit(limit)
        .offset(offset)
    )
    items = [
        StudentRecordRow(
            record=RecordRow.from_mapping(row),
            attendance=AttendanceRow.from_mapping(
                {
                    name[len(_PREFIX) :]: value
                    for name, value in row.items()
                    if name.startswith(_PREFIX)
                }
            ),
        )
        for row in result.mappings()
    ]
    return Page(items, total or 0)


_PREFIX = "attendance__"


def _prefixed_attendance_columns() -> list[Any]:
    return [column.label(_PREFIX + column.name) for column in ATTENDANCES.c]


async def soft_delete_attendance(
    session: AsyncSession, attendance_id: UUID | str, *, reason: str, at: datetime
) -> bool:
    """Mark a live attendance deleted; False when it is missing or already deleted."""
    attendance_id = as_uuid(attendance_id)
    result = await session.execute(
        update(ATTENDANCES)
        .where(ATTENDANCES.c.attendance_id == attendance_id, ATTENDANCES.c.deleted_at.is_(None))
        .values(deleted_at=at, deletion_reason=reason)
    )
    return bool(cast("CursorResult[Any]", result).rowcount)


async def soft_delete_record(
    session: AsyncSession,
    attendance_id: UUID | str,
    student_number: str,
    *,
    reason: str,
    at: datetime,
) -> bool:
    """Mark a live record deleted; False when it is missing or already deleted."""
    attendance_id = as_uuid(attendance_id)
    result = await session.execute(
        update(RECORDS)
        .where(
            RECORDS.c.attendance_id == attendance_id,
            RECORDS.c.student_number == student_number,
            RECORDS.c.deleted_at.is_(None),
        )
        .values(deleted_at=at, deletion_reason=reason)
    )
    return bool(cast("CursorResult[Any]", result).rowcount)


async def settle_pending_record(
    session: AsyncSession,
    attendance_id: UUID | str,
    student_number: str,
    *,
    status: RecordStatus,
    fail_reason: str | None,
    updated_at: datetime,
    waiting_reasons: Sequence[str] = (),
) -> bool:
    """Set the outcome of an outside verification on a persisted record, in one UPDATE.

    Only a record the student wrote that still waits: ``pending``, or ``rejected`` with one
    of ``waiting_reasons`` (what persistence turns an unanswered ``pending`` into). The
    condition is part of the UPDATE, so a teacher's decision made meanwhile is never
    overwritten. False when no such record exists.
    """
    attendance_id = as_uuid(attendance_id)
    waiting = RECORDS.c.status == RecordStatus.PENDING.value
    if waiting_reasons:
        waiting = waiting | (
            (RECORDS.c.status == RecordStatus.REJECTED.value)
            & RECORDS.c.fail_reason.in_(list(waiting_reasons))
        )
    result = await session.execute(
        update(RECORDS)
        .where(
            RECORDS.c.attendance_id == attendance_id,
            RECORDS.c.student_number == student_number,
            RECORDS.c.decided_by == SELF,
            RECORDS.c.deleted_at.is_(None),
            waiting,
        )
        .values(status=status.value, fail_reason=fail_reason, updated_at=updated_at)
    )
    return bool(cast("CursorResult[Any]", result).rowcount)
