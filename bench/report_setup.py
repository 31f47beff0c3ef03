"""The institution ``bench/report.py`` measures in: students, teachers, courses with rosters,
their stored attendances and records, bulk-inserted into a migrated, empty database.

At ``--scale 1``: 20,000 students, 2,000 courses of 42 attendances each, about 2,000,000
records; course ``BENCH0000`` has 300 students (12,600 records), the others share the
remaining records. Rows go in through the drivers' bulk paths (SQLite: ``executemany`` in
one transaction, values converted by the tables' own bind processors so they are stored
exactly as the application stores them; PostgreSQL: ``COPY``), then the planner's
statistics are refreshed (``ANALYZE``).
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

import asyncpg
from sqlalchemy.dialects.sqlite import pysqlite
from sqlalchemy.engine import make_url

from attn.db.sql.tables import (
    ATTENDANCES,
    COURSE_TEACHERS,
    COURSES,
    ENROLMENTS,
    RECORDS,
    USERS,
)

TARGET_CODE = "BENCH0000"
TARGET_STUDENTS = 300
LESSONS = 42
TERM_START = datetime(2026, 9, 14, 6, 0, tzinfo=UTC)
NAMESPACE = UUID("6f2b1a7e-3c55-4c1e-9d7a-5b0c2a1e9f10")
STATUS_WEIGHTS = {"present": 80, "late": 8, "excused": 4, "absent": 7, "rejected": 1}
"""How often each status is drawn for a record (absent rows as persistence writes them)."""
TEACHERS = 500


@dataclass(frozen=True)
class Scale:
    students: int
    courses: int
    records: int

    @classmethod
    def of(cls, factor: float) -> Scale:
        return cls(
            students=max(TARGET_STUDENTS, round(20_000 * factor)),
            courses=max(2, round(2_000 * factor)),
            records=max(TARGET_STUDENTS * LESSONS, round(2_000_000 * factor)),
        )

    @property
    def per_other_course(self) -> int:
        """Students on each course but the target one, so the records add up."""
        rest = self.records - TARGET_STUDENTS * LESSONS
        return max(1, min(self.students, round(rest / (self.courses - 1) / LESSONS)))


@dataclass
class Institution:
    """Everything seeded, as plain rows per table (column name -> value)."""

    rows: dict[str, list[dict[str, Any]]]
    target_course: UUID
    target_students: list[str]

    @property
    def record_count(self) -> int:
        return len(self.rows[RECORDS.name])


def course_id(index: int) -> UUID:
    return uuid5(NAMESPACE, f"course-{index}")


def _student(index: int) -> str:
    return f"S{index:06d}"


def build(scale: Scale, seed: int = 16) -> Institution:
    """The rows of an institution of ``scale`` (deterministic for a seed)."""
    draw = random.Random(seed)
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    made = TERM_START - timedelta(days=30)
    rows: dict[str, list[dict[str, Any]]] = {
        t.name: [] for t in (USERS, COURSES, COURSE_TEACHERS, ENROLMENTS, ATTENDANCES, RECORDS)
    }
    people = [(_student(i), f"Öğrenci Çağrı {i}", "student") for i in range(scale.students)]
    people += [(f"T{i:04d}", f"Öğretmen Ayşe {i}", "teacher") for i in range(TEACHERS)]
    rows[USERS.name] = [
        {"user_number": n, "full_name": name, "role": role, "password_hash": None,
         "created_at": made, "updated_at": made, "deactivated_at": None}
        for n, name, role in people
    ]  # fmt: skip
    for index in range(scale.courses):
        size = TARGET_STUDENTS if index == 0 else scale.per_other_course
        roster = draw.sample(range(scale.students), size)
        _course(rows, index, [_student(i) for i in roster], draw, statuses, weights, made)
    target = [e["student_number"] for e in rows[ENROLMENTS.name][:TARGET_STUDENTS]]
    return Institution(rows, course_id(0), target)


def _course(
    rows: dict[str, list[dict[str, Any]]],
    index: int,
    roster: list[str],
    draw: random.Random,
    statuses: list[str],
    weights: list[int],
    made: datetime,
) -> None:
    cid, teacher = course_id(index), f"T{index % TEACHERS:04d}"
    rows[COURSES.name].append(
        {"course_id": cid, "code": TARGET_CODE if index == 0 else f"C{index:05d}",
         "name": f"Ders {index}", "term": "2026-güz", "late_weight_percent": 50,
         "threshold_percent": 70, "created_at": made, "updated_at": made}
    )  # fmt: skip
    rows[COURSE_TEACHERS.name].append(
        {"course_id": cid, "teacher_number": teacher, "added_at": made}
    )
    rows[ENROLMENTS.name].extend(
        {"course_id": cid, "student_number": n, "enrolled_at": made, "left_at": None}
        for n in roster
    )
    for lesson in range(LESSONS):
        starts = TERM_START + timedelta(days=lesson * 2, minutes=index % 600)
        aid = uuid5(NAMESPACE, f"attendance-{index}-{lesson}")
        rows[ATTENDANCES.name].append(
            {"attendance_id": aid, "lesson_name": f"Ders {index}", "lesson_key": f"ders {index}",
             "teacher_number": teacher, "course_id": cid, "starts_at": starts,
             "ends_at": starts + timedelta(minutes=50),
             "finished_at": starts + timedelta(minutes=45), "late_after_minutes": 10,
             "settings": {}, "created_at": starts, "persisted_at": starts + timedelta(hours=1),
             "deleted_at": None, "deletion_reason": None}
        )  # fmt: skip
        at = starts + timedelta(minutes=3)
        for number, status in zip(
            roster, draw.choices(statuses, weights, k=len(roster)), strict=True
        ):
            rows[RECORDS.name].append(
                {"attendance_id": aid, "student_number": number, "status": status,
                 "checked_in_at": at, "updated_at": at, "decided_by": "self",
                 "attempt_count": 1}
            )  # fmt: skip


def _batches(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _converter(processors: list[Any]) -> Callable[[Any, int], Any]:
    """Apply column ``i``'s bind processor to a value, each distinct value once (the same
    ids and times recur thousands of times)."""
    cached: dict[tuple[int, Any], Any] = {}

    def convert(value: Any, column: int) -> Any:
        processor = processors[column]
        if processor is None or value is None:
            return value
        key = (column, value if not isinstance(value, dict) else json.dumps(value))
        if key not in cached:
            cached[key] = processor(value)
        return cached[key]

    return convert


def seed_sqlite(url: str, institution: Institution, log: Callable[[str], None]) -> None:
    """Insert every row with ``executemany`` in one transaction, then ``ANALYZE``."""
    path = make_url(url).database
    assert path is not None
    dialect = pysqlite.dialect()
    connection = sqlite3.connect(path)
    try:
        for table in (USERS, COURSES, COURSE_TEACHERS, ENROLMENTS, ATTENDANCES, RECORDS):
            started = time.perf_counter()
            found = institution.rows[table.name]
            columns = list(found[0])
            processors = [table.c[name].type.bind_processor(dialect) for name in columns]
            convert = _converter(processors)
            statement = (
                f"INSERT INTO {table.name} ({', '.join(columns)}) "  # noqa: S608 (our names)
                f"VALUES ({', '.join('?' * len(columns))})"
            )
            for batch in _batches(found, 100_000):
                connection.executemany(
                    statement,
                    [tuple(convert(row[c], i) for i, c in enumerate(columns)) for row in batch],
                )
            log(f"  {table.name}: {len(found):,} rows in {time.perf_counter() - started:.1f} s")
        connection.commit()
        connection.execute("ANALYZE")
        connection.commit()
    finally:
        connection.close()


async def seed_postgres(url: str, institution: Institution, log: Callable[[str], None]) -> None:
    """``COPY`` every table, then ``VACUUM ANALYZE``."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        for table in (USERS, COURSES, COURSE_TEACHERS, ENROLMENTS, ATTENDANCES, RECORDS):
            started = time.perf_counter()
            found = institution.rows[table.name]
            columns = list(found[0])
            records = [
                tuple(json.dumps(v) if isinstance(v, dict) else v for v in row.values())
                for row in found
            ]
            await connection.copy_records_to_table(table.name, records=records, columns=columns)
            log(f"  {table.name}: {len(found):,} rows in {time.perf_counter() - started:.1f} s")
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
