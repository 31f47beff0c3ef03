"""What can go wrong while persisting, and what the job does about each kind.

The job must tell four situations apart, because each needs a different reaction:

- **bad data** (a record that does not parse, a value the database refuses): no retry can
  fix it, so the attendance is moved aside (dead letter) and the others go on;
- **transient** (a deadlock, a serialization failure, SQLite's "database is locked"): the
  same attendance is simply tried again a moment later;
- **outage** (the database is down, refuses connections, or is not migrated): nothing is
  written anywhere, the run stops and the worker backs off, everything stays in Redis;
- **unexpected** (a bug): logged with its traceback, the attendance is retried later.

The SQLAlchemy exception class alone is not enough: its asyncpg adapter reports most server
errors as a bare ``DBAPIError`` (a division by zero and a dropped connection look alike), and
the bulk paths call asyncpg directly. So PostgreSQL errors are classified by SQLSTATE.
"""

from __future__ import annotations

import sqlite3
from enum import StrEnum

import asyncpg.exceptions
from pydantic import ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError


class Failure(StrEnum):
    BAD_DATA = "bad_data"
    TRANSIENT = "transient"
    OUTAGE = "outage"
    UNEXPECTED = "unexpected"


class BadAttendance(ValueError):
    """Data in Redis that the database will never accept: dead-letter it."""


class LeaseLost(RuntimeError):
    """Our lease ran out before the commit: roll back, another worker owns it now."""


class DatabaseUnavailable(RuntimeError):
    """The database cannot be used: stop this run, keep everything in Redis, back off."""


class RedisUnavailable(RuntimeError):
    """Redis does not answer: nothing can be read or cleaned up, stop this run."""


# SQLSTATE classes and codes (PostgreSQL appendix A).
_BAD_DATA_CLASSES = ("22", "23")  # data exception, integrity constraint violation
_TRANSIENT_CODES = frozenset(
    {
        "40001",  # serialization_failure
        "40P01",  # deadlock_detected
        "55P03",  # lock_not_available
        "57014",  # query_canceled (statement_timeout)
    }
)
_OUTAGE_CLASSES = (
    "08",  # connection exception
    "28",  # invalid authorization
    "3D",  # invalid catalog name (no such database)
    "42",  # undefined table/column: the schema is not migrated (yet)
    "53",  # insufficient resources (disk full, too many connections)
    "57",  # operator intervention (shutdown, cannot connect now)
    "58",  # system error (I/O)
    "XX",  # internal error
)
_SQLITE_TRANSIENT = ("database is locked", "database table is locked", "database is busy")


def sqlstate(exc: BaseException) -> str | None:
    """The PostgreSQL SQLSTATE of ``exc`` (wrapped by SQLAlchemy or raw asyncpg), if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        code = getattr(current, "sqlstate", None)
        if isinstance(code, str) and len(code) == 5:
            return code
        current = getattr(current, "orig", None) or current.__cause__
    return None


def classify(exc: BaseException) -> Failure:
    """Which of the four reactions ``exc``, raised while writing one attendance, calls for."""
    if isinstance(exc, BadAttendance | ValidationError):
        return Failure.BAD_DATA
    if isinstance(exc, DatabaseUnavailable):
        return Failure.OUTAGE
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return Failure.OUTAGE
    code = sqlstate(exc)
    if code is not None:
        if code in _TRANSIENT_CODES:
            return Failure.TRANSIENT
        if code.startswith(_BAD_DATA_CLASSES):
            return Failure.BAD_DATA
        if code.startswith(_OUTAGE_CLASSES):
            return Failure.OUTAGE
        return Failure.UNEXPECTED
    original = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(original, sqlite3.IntegrityError | sqlite3.DataError):
        return Failure.BAD_DATA
    if isinstance(original, sqlite3.OperationalError):
        message = str(original).lower()
        if any(text in message for text in _SQLITE_TRANSIENT):
            return Failure.TRANSIENT
        return Failure.OUTAGE  # unable to open the file, disk I/O error, no such table
    if _is_connection_problem(exc):
        return Failure.OUTAGE
    return Failure.UNEXPECTED


def is_redis_outage(exc: BaseException) -> bool:
    return isinstance(exc, RedisConnectionError | RedisTimeoutError | RedisUnavailable)


def _is_connection_problem(exc: BaseException) -> bool:
    if isinstance(exc, OSError | ConnectionError | TimeoutError):
        return True
    # Raw asyncpg calls report a dropped connection as InterfaceError ("connection is
    # closed"); the same class also means misuse, which the message tells apart.
    if isinstance(exc, asyncpg.exceptions.InterfaceError):
        message = str(exc).lower()
        return "closed" in message or "lost" in message
    return False
