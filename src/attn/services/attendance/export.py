"""CSV export of one attendance's records, for spreadsheets.

UTF-8 with a byte order mark, because Excel only reads a CSV as UTF-8 with one (without it
``Ayşe Yılmaz`` arrives as ``AyÅŸe YÄ±lmaz``). Cells that a spreadsheet would evaluate as a
formula (starting with ``= + - @``, tab or carriage return) get a leading apostrophe: names
are free text typed by anyone (OWASP "CSV injection").

Times are local to the installation (``ATTN_TIME_ZONE``), because a person reads them:
``checked_in_at`` is ``2026-01-31 12:00:05``, whole seconds, and its column header names
the zone, ``checked_in_at (Europe/Istanbul)``. Without an offset in the cell, spreadsheets
(Excel, LibreOffice) recognise it as a date and time they can sort and format; with
``+03:00`` appended they would keep it as text. The zone in the header keeps the value
unambiguous for a reader. The file name's date is the lesson's local date too. The JSON
API stays UTC.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import partial
from urllib.parse import quote
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.db.sql.rows import AttendanceRow
from attn.models import LessonRedis, UserRedis
from attn.models.api_attendances import RecordOut
from attn.services.attendance.locate import live_or_archived, user_names
from attn.services.attendance.views import record_out, row_record_out

COLUMNS = ("student_number", "full_name", "status", "checked_in_at", "fail_reason", "decided_by")
"""The columns; ``checked_in_at``'s header also names the time zone (see :func:`header`)."""
BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CsvExport:
    content: bytes
    content_disposition: str


@dataclass(frozen=True)
class _Exported:
    lesson_name: str
    starts_at: datetime
    records: list[RecordOut]


async def export_csv(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    attendance_id: UUID,
    *,
    zone: tzinfo,
) -> CsvExport:
    """The records (live or stored) as a CSV attachment named after the lesson and day,
    times local to ``zone``."""
    found = await redis.get_lesson(attendance_id)
    live, stored = partial(_live, redis), partial(_stored, session)
    exported = await live_or_archived(session, user, attendance_id, found, live, stored)
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header(zone))
    for record in sorted(exported.records, key=lambda item: item.student_number):
        writer.writerow(
            [
                _cell(record.student_number),
                _cell(record.user_full_name),
                record.status.value,
                local_time(record.checked_in_at, zone),
                _cell(record.fail_reason or ""),
                _cell(record.decided_by),
            ]
        )
    day = exported.starts_at.astimezone(zone)
    return CsvExport(
        content=buffer.getvalue().encode("utf-8"),
        content_disposition=content_disposition(exported.lesson_name, day, attendance_id),
    )


async def _live(redis: RedisClient, lesson: LessonRedis) -> _Exported:
    found = await redis.get_attendance_record_users(lesson.attendance_id)
    return _Exported(lesson.lesson_name, lesson.starts_at, [record_out(r) for r in found])


async def _stored(session: AsyncSession, row: AttendanceRow) -> _Exported:
    rows = await repository.list_records(session, row.attendance_id, include_deleted=True)
    rows = [record for record in rows if record.deleted_at is None]
    names = await user_names(session, [record.student_number for record in rows])
    records = [row_record_out(record, names[record.student_number]) for record in rows]
    return _Exported(row.lesson_name, row.starts_at, records)


def header(zone: tzinfo) -> list[str]:
    return [f"{name} ({zone})" if name == "checked_in_at" else name for name in COLUMNS]


def local_time(value: datetime, zone: tzinfo) -> str:
    """``2026-01-31 12:00:05``: the instant in ``zone``, whole seconds, no offset.

    ``isoformat`` rather than ``strftime``, which glibc does not pad below year 1000."""
    return value.astimezone(zone).replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def content_disposition(lesson_name: str, starts_at: datetime, attendance_id: UUID) -> str:
    """``attachment`` with an ASCII ``filename`` (no quotes, slashes or control characters
    can reach the header) and the Unicode name as RFC 5987 ``filename*``; the date is
    ``starts_at``'s own (pass it in the zone the reader lives in)."""
    suffix = f"{starts_at:%Y-%m-%d}-{str(attendance_id)[:8]}.csv"
    unicode_stem = _slug(lesson_name, ascii_only=False) or "attendance"
    ascii_stem = _slug(lesson_name, ascii_only=True) or "attendance"
    fallback = f"{ascii_stem}-{suffix}"
    encoded = quote(f"{unicode_stem}-{suffix}", safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def _slug(name: str, *, ascii_only: bool) -> str:
    if ascii_only:
        name = name.replace("ı", "i").replace("İ", "I")
        name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.findall(r"[^\W_]+", name)
    return "-".join(words)[:60].strip("-")
