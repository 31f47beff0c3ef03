"""Write one parsed attendance to the database in ONE transaction
(docs/design.md#one-sql-transaction).

Order inside the transaction, and why:

1. **users** — the teacher and every student who is missing, so no foreign key can fail.
   An existing user is never changed: the directory belongs to admins, and a record's name
   only exists to create a user nobody made (see ``_PG_INSERT_USERS``). Users this process
   wrote or found already are skipped (see ``KNOWN_USERS_MAX``).
2. **the attendance row** — always upserted, and that upsert locks the row (or waits for a
   concurrent insert of it). It is the per-attendance mutex in the database: two workers that
   both believe they hold the lease (one paused past its lease) write one after the other,
   never interleaved.
3. **records** — if the database has none for this attendance yet (the normal first
   write) a plain bulk insert: COPY on PostgreSQL, ``executemany`` on SQLite. If an
   earlier attempt already wrote some (a crash before the Redis cleanup, or a change that
   made the job write again), every record is upserted (unchanged rows are not touched)
   and rows no longer in Redis are removed, so the database mirrors the snapshot exactly.
4. **audit entries** of the changes made while the attendance was live (the Redis outbox),
   each once: an entry already stored by an earlier attempt is skipped by its ``entry_id``.
5. ``before_commit`` — the job checks (and extends) its lease here, after every write and
   just before COMMIT: a worker that lost its lease rolls back instead of overwriting
   newer data. Any other worker's writes queue behind the attendance row lock from step 2.

SQLite allows one writer at a time; the writer serialises its own transactions with a
lock rather than letting them sleep in SQLite's busy handler (other processes still wait
up to the engine's ``busy_timeout``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Boolean, bindparam, delete, func, insert, literal_column, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from attn.db.sql._dml import any_changed
from attn.db.sql.tables import ATTENDANCES, AUDIT_LOG, RECORDS, USERS
from attn.persistence.errors import Failure, classify
from attn.persistence.parse import (
    RECORD_COLUMNS,
    ParsedAttendance,
    Person,
    RecordValues,
    record_params,
)

BeforeCommit = Callable[[], Awaitable[None]]

_CONTENT = RECORD_COLUMNS[2:]  # everything but the key
_IN_CHUNK = 500  # keys per IN (...) list, far below every parameter limit
KNOWN_USERS_MAX = 200_000
"""Users this process has written or found stored, whose insert the next attendances skip:
a class meets many times, and re-checking its 500 students every time is a large share of
the CPU the job spends per record (docs/performance.md#known-users). Users are never
deleted while they have records; if one were, the foreign key refusal makes the writer
forget them all and write the users again."""

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
"""The rule of ``repository.insert_missing_users`` (create who is missing, never change who
exists) in one statement with array parameters, left untyped for SQLAlchemy so asyncpg
encodes them in C. Stored users are filtered out before the insert, which keeps the common
case (every student known) free of conflict handling; ``DO NOTHING`` covers a concurrent
insert of the same new student by another worker."""

_PG_UPSERT_RECORDS = (
    f"INSERT INTO attendance_records ({', '.join(RECORD_COLUMNS)}) "  # noqa: S608 - constants
    "SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::timestamptz[], "
    "$5::timestamptz[], $6::varchar[], $7::varchar[], $8::varchar[], $9::varchar[], $10::int[], "
    "$11::varchar[]) "
    "ON CONFLICT (attendance_id, student_number) DO UPDATE "
    f"SET {', '.join(f'{name} = excluded.{name}' for name in _CONTENT)} "
    f"WHERE ({', '.join(f'attendance_records.{name}' for name in _CONTENT)}) "
    f"IS DISTINCT FROM ({', '.join(f'excluded.{name}' for name in _CONTENT)})"
)
"""Same rules as ``repository.upsert_records``: unchanged rows are not written, a soft
deletion (``deleted_at``) is never undone."""


_ATTENDANCE_CONTENT = (
    "lesson_name",
    "lesson_key",
    "teacher_number",
    "starts_at",
    "ends_at",
    "finished_at",
    "late_after_minutes",
    "settings",
)


def _attendance_upsert(stmt: postgresql.Insert | sqlite.Insert) -> Any:
    """The rules of ``repository.upsert_attendance`` (nothing written when unchanged, a soft
    deletion sticks), built once: that function compiles a new statement on every call,
    which costs far more than executing this one with parameters
    (docs/performance.md#statements-built-once)."""
    excluded = stmt.excluded
    table = ATTENDANCES.c
    return stmt.on_conflict_do_update(
        index_elements=[table.attendance_id],
        set_={
            **{name: excluded[name] for name in (*_ATTENDANCE_CONTENT, "persisted_at")},
            "deleted_at": func.coalesce(table.deleted_at, excluded.deleted_at),
            "deletion_reason": func.coalesce(table.deletion_reason, excluded.deletion_reason),
        },
        where=any_changed(ATTENDANCES, excluded, _ATTENDANCE_CONTENT)
        | (table.deleted_at.is_(None) & excluded.deleted_at.is_not(None)),
    )


@dataclass
class _Held:
    """The connection one task reuses (see :meth:`AttendanceWriter.reusing_connection`)."""

    connection: AsyncConnection | None = None


class AttendanceWriter:
    """Writes parsed attendances to ``engine``'s database; one instance per job."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        if self.dialect not in ("postgresql", "sqlite"):
            raise NotImplementedError(f"persistence does not support {self.dialect!r}")
        self._sqlite_lock = asyncio.Lock()
        self._known_users: set[str] = set()  # numbers stored for certain
        self._held: ContextVar[_Held | None] = ContextVar("attn_writer_held", default=None)
        # SQLite statements built once and run with executemany (compiled once, cached).
        records = sqlite.insert(RECORDS)
        self._sqlite_upsert = records.on_conflict_do_update(
            index_elements=[RECORDS.c.attendance_id, RECORDS.c.student_number],
            set_={name: records.excluded[name] for name in _CONTENT},
            where=any_changed(RECORDS, records.excluded, _CONTENT),
        )
        dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        self._upsert_attendance = _attendance_upsert(dialect_insert(ATTENDANCES))
        if self.dialect == "postgresql":
            inserted = literal_column("xmax = 0", Boolean)  # no earlier row version: new
            self._upsert_attendance = self._upsert_attendance.returning(inserted)
        self._sqlite_insert_users = sqlite.insert(USERS).on_conflict_do_nothing(
            index_elements=[USERS.c.user_number]
        )
        self._insert_audit = dialect_insert(AUDIT_LOG).on_conflict_do_nothing(
            index_elements=[AUDIT_LOG.c.entry_id]
        )

    async def write(self, parsed: ParsedAttendance, before_commit: BeforeCommit) -> None:
        """Users, attendance and records in one transaction, committed after ``before_commit``
        returns (it raises to roll everything back)."""
        known = self._known_users
        users = [user for user in parsed.users if user[0] not in known]
        try:
            await self._transaction(parsed, users, before_commit)
        except Exception as exc:
            # A refusal while users were skipped on the cache's word might be a foreign key
            # to a user deleted behind our back: never dead-letter on that, check for real.
            if len(users) == len(parsed.users) or classify(exc) is not Failure.BAD_DATA:
                raise
            self._known_users.clear()
            await self._transaction(parsed, parsed.users, before_commit)
        self._remember(parsed.users)

    @contextlib.asynccontextmanager
    async def reusing_connection(self) -> AsyncIterator[None]:
        """Keep one connection for all writes of the calling task (one worker of a run):
        checking one out for every attendance costs a pre-ping, three round trips each
        time. A connection that broke is replaced at the next write."""
        held = _Held()
        token = self._held.set(held)
        try:
            yield
        finally:
            self._held.reset(token)
            if held.connection is not None:
                await held.connection.close()

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[AsyncConnection]:
        held = self._held.get()
        if held is None:
            async with self.engine.connect() as connection:
                yield connection
            return
        if held.connection is None or held.connection.invalidated or held.connection.closed:
            if held.connection is not None:
                await held.connection.close()
            held.connection = None  # not kept if the checkout fails
            held.connection = await self.engine.connect().start()
        yield held.connection

    async def _transaction(
        self, parsed: ParsedAttendance, users: list[Person], before_commit: BeforeCommit
    ) -> None:
        async with self._one_writer(), self._connection() as connection, connection.begin():
            if users:
                await self._users(connection, users)
            existing = await self._upsert_attendance_row(connection, parsed)
            if not existing:
                await self._insert_records(connection, parsed.records)
            else:
                await self._upsert_records(connection, parsed.records)
                gone = existing.difference(parsed.student_numbers)
                await self._delete_records(connection, parsed.attendance_id, sorted(gone))
            if parsed.audit:
                await connection.execute(self._insert_audit, parsed.audit)
            await before_commit()

    def _remember(self, users: list[Person]) -> None:
        """After a commit these users exist."""
        if len(self._known_users) + len(users) > KNOWN_USERS_MAX:
            self._known_users.clear()
        self._known_users.update(number for number, _, _, _ in users)

    @contextlib.asynccontextmanager
    async def _one_writer(self) -> AsyncIterator[None]:
        if self.dialect != "sqlite":
            yield
            return
        async with self._sqlite_lock:
            yield

    async def _users(self, connection: AsyncConnection, users: list[Person]) -> None:
        """Create the missing users (``users`` is sorted: one lock order)."""
        if self.dialect == "postgresql":
            numbers, names, roles, times = (list(column) for column in zip(*users, strict=True))
            await connection.execute(
                _PG_INSERT_USERS,
                {"numbers": numbers, "names": names, "roles": roles, "times": times},
            )
            return
        await connection.execute(
            self._sqlite_insert_users,
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

    async def _upsert_attendance_row(
        self, connection: AsyncConnection, parsed: ParsedAttendance
    ) -> set[str]:
        """Upsert (and so lock) the attendance row; the students already stored for it.

        On PostgreSQL ``RETURNING xmax = 0`` says the row was inserted just now, and then no
        record of it can exist yet (records need the row, and every writer of this
        attendance queues behind our lock): the lookup is skipped on the common path.
        """
        result = await connection.execute(self._upsert_attendance, parsed.attendance.to_params())
        if self.dialect == "postgresql" and result.scalar() is True:
            return set()
        return await self._stored_students(connection, parsed.attendance_id)

    async def _stored_students(self, connection: AsyncConnection, attendance_id: UUID) -> set[str]:
        result = await connection.execute(
            select(RECORDS.c.student_number).where(RECORDS.c.attendance_id == attendance_id)
        )
        return set(result.scalars())

    async def _insert_records(
        self, connection: AsyncConnection, records: list[RecordValues]
    ) -> None:
        if not records:
            return
        if self.dialect == "postgresql":
            driver = await _asyncpg_connection(connection)
            await driver.copy_records_to_table(
                RECORDS.name, records=records, columns=list(RECORD_COLUMNS)
            )
        else:
            await connection.execute(insert(RECORDS), [record_params(values) for values in records])

    async def _upsert_records(
        self, connection: AsyncConnection, records: list[RecordValues]
    ) -> None:
        if not records:
            return
        if self.dialect == "postgresql":
            driver = await _asyncpg_connection(connection)
            columns = [list(column) for column in zip(*records, strict=True)]
            await driver.execute(_PG_UPSERT_RECORDS, *columns)
        else:
            await connection.execute(
                self._sqlite_upsert, [record_params(values) for values in records]
            )

    async def _delete_records(
        self, connection: AsyncConnection, attendance_id: UUID, student_numbers: Sequence[str]
    ) -> None:
        """Remove rows an earlier attempt wrote for records deleted from Redis since."""
        for start in range(0, len(student_numbers), _IN_CHUNK):
            chunk = student_numbers[start : start + _IN_CHUNK]
            await connection.execute(
                delete(RECORDS).where(
                    RECORDS.c.attendance_id == attendance_id,
                    RECORDS.c.student_number.in_(chunk),
                )
            )


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
