"""Write one parsed attendance to the database in ONE transaction
(docs/design.md#one-sql-transaction).

Order inside the transaction, and why:

1. **users** — the teacher and every student who is missing, so no foreign key can fail.
   An existing user is never changed: the directory belongs to admins, and a record's name
   only exists to create a user nobody made (see ``db.sql.bulk``). Users this process
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
   For a course's attendance, every student enrolled at its close without a record then
   gets an ``absent`` row (``bulk.insert_absent``: the roster as of the close; a rewrite
   removes the absent rows with the other rows no longer in Redis and adds them again).
4. **audit entries** of the changes made while the attendance was live (the Redis outbox),
   each once: an entry already stored by an earlier attempt is skipped by its ``entry_id``.
5. ``before_commit`` — the job checks (and extends) its lease here, after every write and
   just before COMMIT: a worker that lost its lease rolls back instead of overwriting
   newer data. Any other worker's writes queue behind the attendance row lock from step 2.

SQLite allows one writer at a time; the writer serialises its own transactions with a
lock rather than letting them sleep in SQLite's busy handler (other processes still wait
up to the engine's ``busy_timeout``). The statements of each step are in
:mod:`attn.db.sql.bulk`, next to the repository functions whose rules they keep.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from attn.db.sql import bulk
from attn.db.sql.rows import Person
from attn.persistence.errors import Failure, classify
from attn.persistence.parse import ParsedAttendance

BeforeCommit = Callable[[], Awaitable[None]]

KNOWN_USERS_MAX = 200_000
"""Users this process has written or found stored, whose insert the next attendances skip:
a class meets many times, and re-checking its 500 students every time is a large share of
the CPU the job spends per record (docs/performance.md#known-users). Users are never
deleted while they have records; if one were, the foreign key refusal makes the writer
forget them all and write the users again."""


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
                await bulk.insert_missing_users(connection, users)
            existing = await bulk.upsert_attendance(connection, parsed.attendance)
            if not existing:
                await bulk.insert_records(connection, parsed.records)
            else:
                await bulk.upsert_records(connection, parsed.records)
                gone = existing.difference(parsed.student_numbers)
                await bulk.delete_records(connection, parsed.attendance_id, sorted(gone))
            await bulk.insert_absent(connection, parsed.attendance)
            await bulk.insert_audit_entries(connection, parsed.audit)
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
