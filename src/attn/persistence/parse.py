"""Turn an attendance snapshot from Redis into the rows one database transaction writes.

Everything that can be wrong with the data is found here, before the database is touched:
a record that does not parse, or one stored under another student's or attendance's key,
raises :class:`BadAttendance` naming the record, and the job dead-letters the attendance.
"""

from __future__ import annotations

import ipaddress
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Annotated, Any, cast
from uuid import UUID

from pydantic import (
    AwareDatetime,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)
from typing_extensions import TypedDict

from attn.db.redis_client import AttendanceSnapshot
from attn.db.sql.rows import AttendanceRow, Person, RecordValues
from attn.db.sql.tables import RECORD_COLUMNS
from attn.models import AttendanceRecordRedis, AuditEntryRedis, LessonRedis, RecordStatus, Role
from attn.models.redis import CANONICAL_IPV4, DeviceId, FailReason
from attn.models.types import DecidedBy, UserNumber
from attn.persistence.errors import BadAttendance

VERIFICATION_TIMEOUT = "verification_timeout"
"""``fail_reason`` of a record still ``pending`` when its attendance is stored: the outside
verification never answered, and a pending record must not stay pending forever."""

_CLEAN_TEXT = r"^[^\p{Cc}\p{Cf}\s]+(?: [^\p{Cc}\p{Cf}\s]+)*$"
"""Free text (a name, a reason) as ``clean_text`` leaves it: no control or format
characters, words apart by one space (Rust regex syntax). NFC, which a pattern cannot
tell, is checked after."""
_STORED_IP = rf"^(?:{CANONICAL_IPV4}|[0-9a-f:.]{{2,39}})$"
"""A canonical IPv4 address, or the characters of an IPv6 one (whose canonical form is
checked after)."""


class StoredRecord(TypedDict):
    """An :class:`AttendanceRecordRedis` exactly as ``to_json`` stores it, checked by
    pydantic's compiled validators alone (types, patterns, lengths, no unknown or missing
    key), without the model's Python-level normalisers, which already ran when the record
    entered Redis: much cheaper per record than the model
    (docs/performance.md#checking-the-records). Anything it refuses is looked at again with
    the model itself, which names the problem or accepts the record."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    attendance_id: Annotated[str, StringConstraints(max_length=36)]
    student_number: UserNumber
    user_full_name: Annotated[str, StringConstraints(max_length=200, pattern=_CLEAN_TEXT)]
    status: RecordStatus
    checked_in_at: AwareDatetime
    fail_reason: FailReason | None
    decided_by: DecidedBy
    client_ip: Annotated[str, StringConstraints(pattern=_STORED_IP)] | None
    device_id: DeviceId | None
    attempt_count: Annotated[int, Field(ge=0)]
    updated_at: AwareDatetime
    decision_reason: Annotated[str, StringConstraints(max_length=500, pattern=_CLEAN_TEXT)] | None


_STORED_LIST = TypeAdapter(list[StoredRecord])
_ROW = itemgetter(*RECORD_COLUMNS[1:])  # everything but the attendance id, in column order
_STATUS_AT = RECORD_COLUMNS.index("status")
_FAIL_REASON_AT = RECORD_COLUMNS.index("fail_reason")


@dataclass(frozen=True, slots=True)
class ParsedAttendance:
    """One attendance ready for the database, as of Redis version ``version``."""

    lesson: LessonRedis
    version: int
    attendance: AttendanceRow
    users: list[Person]  # teacher and students, sorted by number (one lock order)
    records: list[RecordValues]  # sorted by student number
    audit: list[dict[str, Any]]  # audit_log rows of the live changes, oldest first

    @property
    def attendance_id(self) -> UUID:
        return self.lesson.attendance_id

    @property
    def student_numbers(self) -> list[str]:
        return [values[1] for values in self.records]


def parse_snapshot(
    attendance_id: str, snapshot: AttendanceSnapshot, persisted_at: datetime
) -> ParsedAttendance:
    """Validate every record and build the rows; raises :class:`BadAttendance`."""
    lesson = snapshot.lesson
    if str(lesson.attendance_id) != attendance_id:
        raise BadAttendance(f"lesson stored under {attendance_id} belongs to another attendance")
    numbers = sorted(snapshot.raw_records)
    raws = [snapshot.raw_records[number] for number in numbers]
    stored = _stored_records(attendance_id, numbers, raws)
    if stored is None:
        stored = _checked_by_model(lesson.attendance_id, numbers, raws)
    users: dict[str, Person] = {
        lesson.teacher_number: (
            lesson.teacher_number,
            lesson.teacher_full_name,
            Role.TEACHER,
            lesson.created_at,
        )
    }
    # A student who is also the teacher keeps the teacher entry (role matters only for new
    # users, and a teacher must not be created as a student).
    for number, record in zip(numbers, stored, strict=True):
        if number not in users:
            users[number] = (number, record["user_full_name"], Role.STUDENT, record["updated_at"])
    return ParsedAttendance(
        lesson=lesson,
        version=snapshot.version,
        attendance=AttendanceRow.from_redis(lesson, persisted_at=persisted_at),
        users=[users[number] for number in sorted(users)],
        records=[_values(lesson.attendance_id, record) for record in stored],
        audit=_audit_rows(lesson.attendance_id, snapshot.raw_audit),
    )


def _audit_rows(attendance_id: UUID, raws: list[str]) -> list[dict[str, Any]]:
    """The outbox entries as ``audit_log`` rows; one that does not parse, or belongs to
    another attendance, raises :class:`BadAttendance` (an entry is never dropped)."""
    rows: dict[UUID, dict[str, Any]] = {}
    for position, raw in enumerate(raws):
        try:
            entry = AuditEntryRedis.from_json(raw)
        except ValidationError as exc:
            raise BadAttendance(f"audit entry {position} is invalid: {describe(exc)}") from exc
        if entry.attendance_id != attendance_id:
            raise BadAttendance(f"audit entry {position} belongs to another attendance")
        # A script re-run by the client's retry (reply lost) appends its entry twice.
        rows.setdefault(entry.entry_id, entry.model_dump())
    return list(rows.values())


def record_values(record: AttendanceRecordRedis) -> RecordValues:
    """The row of one record in :data:`RECORD_COLUMNS` order; pending becomes rejected."""
    return _values(record.attendance_id, _as_stored(record))


def _values(attendance_id: UUID, record: StoredRecord) -> RecordValues:
    """The status stays the enum member (a ``str``): ``.value`` goes through a Python-level
    descriptor, a measurable cost at 50,000 records a second."""
    values: RecordValues = (attendance_id, *_ROW(record))
    if record["status"] is RecordStatus.PENDING:
        row = list(values)
        row[_STATUS_AT] = RecordStatus.REJECTED
        row[_FAIL_REASON_AT] = VERIFICATION_TIMEOUT
        return cast(RecordValues, tuple(row))
    return values


def _stored_records(
    attendance_id: str, numbers: list[str], raws: list[str]
) -> list[StoredRecord] | None:
    """All records in one compiled validator call, each stored under its own student and
    attendance; None if anything is off (the model then looks at each record)."""
    if not raws:
        return []
    try:
        records = _STORED_LIST.validate_json("[" + ",".join(raws) + "]")
    except ValidationError:
        return None
    if len(records) != len(raws):  # a raw value such as '{..},{..}' would add elements
        return None
    if [record["student_number"] for record in records] != numbers:
        return None
    if any(record["attendance_id"] != attendance_id for record in records):
        return None
    if not all(map(_as_the_model_leaves_it, records)):
        return None
    return records


def _as_the_model_leaves_it(record: StoredRecord) -> bool:
    """What the patterns cannot tell: a name (and a reason) in NFC, an IPv6 address in
    canonical form."""
    name, ip, why = record["user_full_name"], record["client_ip"], record["decision_reason"]
    if not name.isascii() and not unicodedata.is_normalized("NFC", name):
        return False
    if why is not None and not why.isascii() and not unicodedata.is_normalized("NFC", why):
        return False
    return ip is None or ":" not in ip or _canonical_ip(ip) == ip


def _canonical_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _checked_by_model(
    attendance_id: UUID, numbers: list[str], raws: list[str]
) -> list[StoredRecord]:
    """Each record through the model: the first invalid or misplaced one raises
    :class:`BadAttendance` naming it; records the model accepts are used as it reads them."""
    records: list[StoredRecord] = []
    for number, raw in zip(numbers, raws, strict=True):
        try:
            record = AttendanceRecordRedis.from_json(raw)
        except ValidationError as exc:
            raise BadAttendance(f"record of {number!r} is invalid: {describe(exc)}") from exc
        if record.student_number != number or record.attendance_id != attendance_id:
            raise BadAttendance(f"record stored under {number!r} belongs to another attendance")
        records.append(_as_stored(record))
    return records


def _as_stored(record: AttendanceRecordRedis) -> StoredRecord:
    fields = dict(record)
    fields["attendance_id"] = str(record.attendance_id)
    return cast(StoredRecord, fields)


def describe(exc: ValidationError) -> str:
    """The first problem pydantic found, naming the field: enough for an admin to act."""
    errors = exc.errors(include_url=False, include_input=False)
    if not errors:
        return str(exc).splitlines()[0]
    first = errors[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "value"
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first.get('msg', 'invalid')}{more}"
