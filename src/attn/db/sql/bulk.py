"""The persistence job's bulk writes, on the connection of its one transaction per attendance.

They keep the rules of the repository functions, built once and run with every row at once
(COPY and array parameters on PostgreSQL, ``executemany`` on SQLite):

- users: :func:`~attn.db.sql.users_repo.insert_missing_users`, create who is missing and
  never change who exists (the directory belongs to admins);
- the attendance: :func:`~attn.db.sql.attendance_repo.upsert_attendance`, the same
  statement, whose upsert also locks the row;
- records: :func:`~attn.db.sql.attendance_repo.upsert_records`, unchanged rows not
  written, a soft deletion never undone (these statements never write its columns);
- audit entries: each once, by ``entry_id``;
- absent-at-close: :func:`insert_absent`, one ``absent`` row for each student enrolled in
  the attendance's course when it closed and without a record
  (docs/design.md#courses-and-rosters).

``tests/persistence/test_writer.py`` pins that they keep those rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import (
    Boolean,
    Integer,
    String,
    Uuid,
    bindparam,
    delete,
    exists,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import TypeDecorator

from attn.db.sql._dml import any_changed
from attn.db.sql.attendance_repo import attendance_upsert
from attn.db.sql.rows import AttendanceRow, Person, RecordValues
from attn.db.sql.tables import (
    ATTENDANCES,
    AUDIT_LOG,
    ENROLMENTS,
    RECORD_COLUMNS,
    RECORD_CONTENT,
    RECORD_KEY,
    RECORDS,
    USERS,
)
from attn.models.types import ROSTER, RecordStatus

_IN_CHUNK = 500  # keys per IN (...) list, far below every parameter limit

_PG_INSERT_USERS = text(
    """
INSERT INTO users (user_number, full_name, role, created_at, updated_at)
SELECT v.user_number, v.full_name, v.role, v.updated_at, v.updated_at
FROM unnest(CAST(:numbers AS varchar[]), CAST(:names AS varchar[]),
            CAST(:roles AS varchar[]), CAST(:times AS timestamptz[]))
     AS v(user_number, full_name, role, updated_at)
WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.user_number = v.user_number)
ORDER BY v.user_number
ON CONFLICT (user_number) DO NOTHING
"""
).bindparams(*(bindparam(name) for name in ("numbers", "names", "roles", "times")))
"""The rule of ``users_repo.insert_missing_users`` (create who is missing, never change who
exists) in one statement with array parameters, left untyped for SQLAlchemy so asyncpg
encodes them in C. Stored users are filtered out before the insert, which keeps the common
case (every student known) free of conflict handling; ``DO NOTHING`` covers a concurrent
insert of the same new student by another worker."""

_SQLITE_INSERT_USERS = sqlite.insert(USERS).on_conflict_do_nothing(
    index_elements=[USERS.c.user_number]
)

_PG_ARRAY_TYPES = {UUID: "uuid", str: "varchar", datetime: "timestamptz", int: "int"}
"""The array type asyncpg is told for each column's Python type."""


def _pg_array_type(column: str) -> str:
    sql_type = RECORDS.c[column].type
    if isinstance(sql_type, TypeDecorator):  # UtcDateTime: a timestamptz underneath
        sql_type = sql_type.impl_instance
    return _PG_ARRAY_TYPES[sql_type.python_type]


def _pg_upsert_records() -> str:
    """``INSERT ... SELECT * FROM unnest($1::uuid[], ...)`` of :data:`RECORD_COLUMNS`: one
    array parameter per column, upserted under the rules of ``upsert_records``."""
    arrays = ", ".join(
        f"${position}::{_pg_array_type(name)}[]"
        for position, name in enumerate(RECORD_COLUMNS, start=1)
    )
    return (
        f"INSERT INTO {RECORDS.name} ({', '.join(RECORD_COLUMNS)}) "  # noqa: S608 - constants
        f"SELECT * FROM unnest({arrays}) "
        f"ON CONFLICT ({', '.join(RECORD_KEY)}) DO UPDATE "
        f"SET {', '.join(f'{name} = excluded.{name}' for name in RECORD_CONTENT)} "
        f"WHERE ({', '.join(f'{RECORDS.name}.{name}' for name in RECORD_CONTENT)}) "
        f"IS DISTINCT FROM ({', '.join(f'excluded.{name}' for name in RECORD_CONTENT)})"
    )


_PG_UPSERT_RECORDS = _pg_upsert_records()
"""Same rules as ``attendance_repo.upsert_records``: unchanged rows are not written, a soft
deletion (``deleted_at``) is never undone."""

_sqlite_records = sqlite.insert(RECORDS)
_SQLITE_UPSERT_RECORDS = _sqlite_records.on_conflict_do_update(
    index_elements=[RECORDS.c[name] for name in RECORD_KEY],
    set_={name: _sqlite_records.excluded[name] for name in RECORD_CONTENT},
    where=any_changed(RECORDS, _sqlite_records.excluded, RECORD_CONTENT),
)

_UPSERT_ATTENDANCE: dict[str, Any] = {
    # RETURNING xmax = 0: no earlier row version, so the row was inserted just now.
    "postgresql": attendance_upsert(postgresql.insert(ATTENDANCES)).returning(
        literal_column("xmax = 0", Boolean)
    ),
    "sqlite": attendance_upsert(sqlite.insert(ATTENDANCES)),
}
"""The rules of ``attendance_repo.upsert_attendance``, built once: that function builds a
new statement on every call, which costs far more than executing this one with parameters
(docs/performance.md#statements-built-once)."""

_INSERT_AUDIT: dict[str, Any] = {
    "postgresql": postgresql.insert(AUDIT_LOG).on_conflict_do_nothing(
        index_elements=[AUDIT_LOG.c.entry_id]
    ),
    "sqlite": sqlite.insert(AUDIT_LOG).on_conflict_do_nothing(
        index_elements=[AUDIT_LOG.c.entry_id]
    ),
}


async def insert_missing_users(connection: AsyncConnection, users: Sequence[Person]) -> None:
    """Create the missing users (``users`` sorted by number: one lock order)."""
    if connection.dialect.name == "postgresql":
        numbers, names, roles, times = (list(column) for column in zip(*users, strict=True))
        await connection.execute(
            _PG_INSERT_USERS, {"numbers": numbers, "names": names, "roles": roles, "times": times}
        )
        return
    await connection.execute(
        _SQLITE_INSERT_USERS,
        [
            {
                "user_number": number,
                "full_name": name,
                "role": role,
                "created_at": seen_at,
                "updated_at": seen_at,
            }
            for number, name, role, seen_at in users
        ],
    )


async def upsert_attendance(connection: AsyncConnection, row: AttendanceRow) -> set[str]:
    """Upsert (and so lock) the attendance row; the students already stored for it.

    On PostgreSQL ``RETURNING xmax = 0`` says the row was inserted just now, and then no
    record of it can exist yet (records need the row, and every writer of this
    attendance queues behind our lock): the lookup is skipped on the common path.
    """
    dialect = connection.dialect.name
    result = await connection.execute(_UPSERT_ATTENDANCE[dialect], row.to_params())
    if dialect == "postgresql" and result.scalar() is True:
        return set()
    return await stored_students(connection, row.attendance_id)


async def stored_students(connection: AsyncConnection, attendance_id: UUID) -> set[str]:
    """The student numbers of the records stored for the attendance."""
    result = await connection.execute(
        select(RECORDS.c.student_number).where(RECORDS.c.attendance_id == attendance_id)
    )
    return set(result.scalars())


async def insert_records(connection: AsyncConnection, records: Sequence[RecordValues]) -> None:
    """Insert records of an attendance that has none stored yet: COPY on PostgreSQL."""
    if not records:
        return
    if connection.dialect.name == "postgresql":
        driver = await _asyncpg_connection(connection)
        await driver.copy_records_to_table(
            RECORDS.name, records=records, columns=list(RECORD_COLUMNS)
        )
    else:
        await connection.execute(insert(RECORDS), [_params(values) for values in records])


async def upsert_records(connection: AsyncConnection, records: Sequence[RecordValues]) -> None:
    """Insert or update records: one statement with array parameters on PostgreSQL."""
    if not records:
        return
    if connection.dialect.name == "postgresql":
        driver = await _asyncpg_connection(connection)
        columns = [list(column) for column in zip(*records, strict=True)]
        await driver.execute(_PG_UPSERT_RECORDS, *columns)
    else:
        await connection.execute(_SQLITE_UPSERT_RECORDS, [_params(values) for values in records])


async def delete_records(
    connection: AsyncConnection, attendance_id: UUID, student_numbers: Sequence[str]
) -> None:
    """Remove the rows of these students (records deleted from Redis since an earlier write)."""
    for start in range(0, len(student_numbers), _IN_CHUNK):
        chunk = student_numbers[start : start + _IN_CHUNK]
        await connection.execute(
            delete(RECORDS).where(
                RECORDS.c.attendance_id == attendance_id,
                RECORDS.c.student_number.in_(chunk),
            )
        )


async def insert_audit_entries(connection: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Append ``audit_log`` rows, skipping any whose ``entry_id`` is stored already."""
    if not rows:
        return
    await connection.execute(_INSERT_AUDIT[connection.dialect.name], rows)


def _params(values: RecordValues) -> dict[str, Any]:
    """One record as bind parameters (the SQLAlchemy paths)."""
    return dict(zip(RECORD_COLUMNS, values, strict=True))


async def _asyncpg_connection(connection: AsyncConnection) -> Any:
    """The asyncpg connection under ``connection``, inside its open transaction.

    The bulk statements go to asyncpg directly (COPY and array parameters are not reachable
    through SQLAlchemy's DBAPI layer). They must run in the same server transaction, which
    SQLAlchemy's adapter opens lazily on the first statement: refuse to run outside it.
    """
    raw = await connection.get_raw_connection()
    driver = cast(Any, raw.driver_connection)
    if not driver.is_in_transaction():
        raise RuntimeError("bulk write outside the attendance transaction")
    return driver


def _insert_absent() -> Any:
    """``INSERT … SELECT`` of an ``absent`` row for each student on the course's roster at
    the close without a record; parameters ``absent_attendance_id``, ``absent_course_id``,
    ``absent_closed_at`` (named apart from the columns, which an insert's parameters would
    otherwise fill)."""
    stays = ENROLMENTS.c
    attendance = bindparam("absent_attendance_id", type_=Uuid())
    course = bindparam("absent_course_id", type_=Uuid())
    closed = bindparam("absent_closed_at", type_=RECORDS.c.checked_in_at.type)
    values = {
        "attendance_id": attendance,
        "student_number": stays.student_number,
        "status": literal(RecordStatus.ABSENT.value, String()),
        "checked_in_at": closed,
        "updated_at": closed,
        "fail_reason": null(),
        "decided_by": literal(ROSTER, String()),
        "client_ip": null(),
        "device_id": null(),
        "attempt_count": literal(0, Integer()),
        "decision_reason": null(),
    }
    has_record = exists().where(
        RECORDS.c.attendance_id == attendance,
        RECORDS.c.student_number == stays.student_number,
    )
    roster = select(*(values[name] for name in RECORD_COLUMNS)).where(
        stays.course_id == course,
        stays.enrolled_at <= closed,
        or_(stays.left_at.is_(None), stays.left_at > closed),
        ~has_record,
    )
    return insert(RECORDS).from_select(list(RECORD_COLUMNS), roster)


_INSERT_ABSENT = _insert_absent()
"""Built once, like the other statements here: building it for every attendance cost more
of the job's CPU than executing it (docs/performance.md#with-rosters)."""


async def insert_absent(connection: AsyncConnection, attendance: AttendanceRow) -> None:
    """An ``absent`` record for every student of the course's roster at the attendance's
    close (:attr:`AttendanceRow.closed_at`) who has no record; nothing for an ad-hoc or a
    deleted attendance.

    One ``INSERT … SELECT`` after the records are written, in the same transaction: run
    again (a crash after the commit, a change that made the job write again) it finds
    the rows there and adds none, so each student is marked absent exactly once. The
    roster is read *as of* the close, so a change after it (before the job ran) changes
    nothing.
    """
    if attendance.course_id is None or attendance.deleted_at is not None:
        return
    await connection.execute(
        _INSERT_ABSENT,
        {
            "absent_attendance_id": attendance.attendance_id,
            "absent_course_id": attendance.course_id,
            "absent_closed_at": attendance.closed_at,
        },
    )
