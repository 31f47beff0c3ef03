"""A student asks to be excused for a stored attendance (docs/design.md#excuses).

Who may ask: a student whose record in the attendance is ``absent``, ``late`` or
``rejected`` (a failed check counts as not there), or who has no record at all but was on
the roster of the attendance's course when it finished (the roster rule of absent-at-close;
an ad-hoc attendance without their record was not theirs: 403 ``not_in_attendance``).
``present``, ``pending`` and ``excused`` records need no excuse (409). Only stored
attendances: a live one is still being taken (409 ``attendance_not_stored``). One open
request per student and attendance (409 ``excuse_exists``), checked first and held by the
database's partial unique index against a race.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from attn.config import Settings
from attn.db.redis_client import RedisClient
from attn.db.sql import excuses_repo, repository
from attn.db.sql.excuse_rows import ExcuseListed, ExcuseRow
from attn.db.sql.rows import AttendanceRow
from attn.errors import AttendanceDeleted
from attn.excuse_errors import (
    AttendanceNotStored,
    ExcuseExists,
    ExcuseNotNeeded,
    InvalidExcuse,
    NotInAttendance,
)
from attn.models import RecordStatus, UserRedis
from attn.models.api_excuses import ExcuseNoteIn, ExcuseStatus, FileStorage
from attn.services.attendance.locate import attendance_not_found
from attn.services.audit import live_audit, stored_audit
from attn.services.excuses import access, files

EXCUSABLE = frozenset({RecordStatus.ABSENT, RecordStatus.LATE, RecordStatus.REJECTED})


def valid_note(note: str | None) -> str:
    """The note, cleaned; 422 ``invalid_excuse`` naming the field ``note``."""
    try:
        return ExcuseNoteIn(note=note or "").note
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise InvalidExcuse(f"note: {message}", details={"field": "note"}) from exc


async def excusable_attendance(
    redis: RedisClient, session: AsyncSession, user: UserRedis, attendance_id: UUID
) -> tuple[AttendanceRow, RecordStatus | None]:
    """The stored attendance and the student's record status, if they may ask for it."""
    if await redis.get_lesson(attendance_id) is not None:
        raise AttendanceNotStored("ask once the attendance is over and stored")
    row = await repository.get_attendance(session, attendance_id, include_deleted=True)
    if row is None:
        raise attendance_not_found(attendance_id)
    if row.deleted_at is not None:
        raise AttendanceDeleted(f"attendance {attendance_id} was deleted")
    record = await repository.get_record(session, attendance_id, user.user_number)
    if record is not None:
        if record.status not in EXCUSABLE:
            raise ExcuseNotNeeded(
                f"your record is {record.status.value}: there is nothing to excuse",
                details={"status": record.status.value},
            )
        return row, RecordStatus(record.status)
    at = row.finished_at or row.ends_at
    if row.course_id is None or not await excuses_repo.was_enrolled(
        session, row.course_id, user.user_number, at
    ):
        raise NotInAttendance("you have no record in this attendance")
    return row, None


async def form_target(
    redis: RedisClient, session: AsyncSession, user: UserRedis, attendance_id: UUID
) -> tuple[AttendanceRow, RecordStatus | None]:
    """What the student's form asks about, refused as :func:`ask` would refuse it."""
    found = await excusable_attendance(redis, session, user, attendance_id)
    if await excuses_repo.open_excuse(session, attendance_id, user.user_number) is not None:
        raise _exists()
    return found


async def ask(
    redis: RedisClient,
    session: AsyncSession,
    settings: Settings,
    user: UserRedis,
    attendance_id: UUID,
    note: str | None,
    upload: files.Upload | None,
    now: datetime,
) -> ExcuseListed:
    """Store the request (and its file) and its audit entry in the request's transaction."""
    text = valid_note(note)
    kind = files.checked(upload) if upload is not None else None
    row, record_status = await excusable_attendance(redis, session, user, attendance_id)
    if await excuses_repo.open_excuse(session, attendance_id, user.user_number) is not None:
        raise _exists()
    storage = files.storage_for(settings)
    excuse = ExcuseRow(
        excuse_id=uuid.uuid4(),
        attendance_id=row.attendance_id,
        student_number=user.user_number,
        status=ExcuseStatus.REQUESTED,
        note=text,
        requested_at=now,
        record_status=record_status.value if record_status else None,
    )
    content: bytes | None = None
    if upload is not None and kind is not None:
        excuse = _with_file(excuse, upload, kind, storage)
        content = upload.data if storage is FileStorage.DATABASE else None
    if not await excuses_repo.add_excuse(session, excuse, content):
        raise _exists()
    if upload is not None and settings.excuse_files_dir is not None:
        await files.keep_in_folder(settings.excuse_files_dir, excuse.excuse_id, upload.data)
    await _audit(session, user, excuse, now)
    return await access.found(session, excuse.excuse_id)


def _exists() -> ExcuseExists:
    return ExcuseExists("you already have an open request for this attendance")


def _with_file(
    excuse: ExcuseRow, upload: files.Upload, kind: tuple[str, str], storage: FileStorage
) -> ExcuseRow:
    media, extension = kind
    return dataclasses.replace(
        excuse,
        file_name=files.clean_name(upload.name, extension),
        file_type=media,
        file_size=len(upload.data),
        file_storage=storage.value,
    )


async def _audit(session: AsyncSession, user: UserRedis, excuse: ExcuseRow, now: datetime) -> None:
    details: dict[str, object] = {
        "excuse_id": str(excuse.excuse_id),
        "note": excuse.note,
        "status": excuse.record_status,
    }
    if excuse.file_name is not None:
        details["file"] = {
            "name": excuse.file_name,
            "type": excuse.file_type,
            "size": excuse.file_size,
        }
    entry = live_audit(
        user,
        "excuse_requested",
        excuse.attendance_id,
        details,
        at=now,
        student_number=excuse.student_number,
    )
    await stored_audit(session, entry)
