"""Roster mode of ``bench/persist.py`` (``--rosters N``, issue 16): course attendances with
rosters of N students, of whom S checked in, so the job adds N - S ``absent`` rows to each
(``db/sql/bulk.py:insert_absent``), against the same attendances ad hoc (no course, so no
absent rows), in the same rounds of the same command.

Both modes start from the same database: every student and teacher already a user (as the
admins made them), the courses and their enrolments (the attendances' courses and others,
a school's worth of stays, some of them closed). Only the attendances' ``course_id``
differs. Each round runs both modes, in alternating order, so that the machine's drift
falls on both.

Records per second are the records the job moved from Redis (S per attendance) per second
of the job, in both modes; the absent rows the roster adds are reported beside them, not
counted in it.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import uuid4

from sqlalchemy import delete, event, func, insert, select, text

from attn.db.sql import bulk
from attn.db.sql.engine import create_engine
from attn.db.sql.rows import AttendanceRow
from attn.db.sql.tables import COURSES, ENROLMENTS, RECORDS, USERS
from attn.models import LessonRedis
from attn.models.types import ROSTER, utcnow
from bench.persist_job import JobTime, job_settings, timed_job
from bench.persist_setup import (
    Dataset,
    empty_tables,
    fill_redis,
    flush_redis,
    make_record,
    student_name,
    student_number,
)

MODES = ("ad hoc", "rosters")
LEFT_PER_COURSE = 5
"""Closed stays per course (students who left before the lessons): the roster as of the
close must leave them out."""


@dataclass
class RosterResult:
    backend: str
    unrelated_keys: int
    processes: int
    records: int  # moved from Redis, per mode
    absent: int  # added by the rosters
    seconds: dict[str, float]  # mode -> median job seconds
    cpu: dict[str, float]  # mode -> median CPU seconds of the job's processes
    server_cpu: dict[str, float]  # mode -> median CPU seconds of PostgreSQL's backends
    round_ratios: list[float]  # per round: rosters rec/s ÷ ad hoc rec/s
    cpu_ratios: list[float]  # per round: ad hoc CPU ÷ rosters CPU, job and server
    absent_ms: float  # the absent step alone, per attendance (median)
    plan: str

    def cpu_us(self, mode: str) -> float:
        """CPU of the job's processes per checked-in record, µs."""
        return self.cpu[mode] / self.records * 1e6

    def server_us(self, mode: str) -> float:
        """CPU of the PostgreSQL backends per checked-in record, µs (0 on SQLite)."""
        return self.server_cpu[mode] / self.records * 1e6

    def rate(self, mode: str) -> float:
        return self.records / self.seconds[mode]

    @property
    def ratio(self) -> float:
        """Median over the rounds of with ÷ without, each round's pair run back to back."""
        return statistics.median(self.round_ratios)

    def line(self) -> str:
        rounds = " ".join(f"{ratio:.2f}" for ratio in self.round_ratios)
        cpu_rounds = " ".join(f"{ratio:.2f}" for ratio in self.cpu_ratios)
        rows = (self.records + self.absent) / self.seconds["rosters"]
        return (
            f"{self.backend:<8} unrelated={self.unrelated_keys:>9,} processes={self.processes}"
            f"  ad hoc {self.rate('ad hoc'):>7,.0f} rec/s  |  rosters "
            f"{self.rate('rosters'):>7,.0f} rec/s ({rows:,.0f} rows/s with the "
            f"{self.absent:,} absent)  |  with ÷ without {self.ratio:.2f} (rounds: {rounds})"
            f"\n{'':8} CPU per record, job + server: ad hoc {self.cpu_us('ad hoc'):.1f} + "
            f"{self.server_us('ad hoc'):.1f} µs, rosters {self.cpu_us('rosters'):.1f} + "
            f"{self.server_us('rosters'):.1f} µs (without ÷ with, rounds: {cpu_rounds})  |  "
            f"the absent step alone {self.absent_ms:.2f} ms per attendance"
        )


def make_course_dataset(args: argparse.Namespace) -> Dataset:
    """``args.attendances`` course attendances over ``args.courses`` courses of
    ``args.rosters`` students each, ``args.students`` of them checked in (the absent ones
    change from one lesson to the next), plus ``args.other_courses`` courses without
    attendances whose rosters overlap theirs (students take several courses)."""
    now = utcnow()
    enrolled, pool = args.rosters, args.courses * args.rosters
    courses = [uuid4() for _ in range(args.courses + args.other_courses)]
    rosters = {
        course_id: [student_number((index * enrolled + k) % pool) for k in range(enrolled)]
        for index, course_id in enumerate(courses)
    }
    data = Dataset([], [], rosters)
    for index in range(args.attendances):
        starts = now - timedelta(hours=3, minutes=index)
        course = index % args.courses
        lesson = LessonRedis(
            attendance_id=uuid4(),
            lesson_name=f"Veri Yapıları {course}",
            teacher_number=f"T{course % 25:04d}",
            teacher_full_name=f"Öğretmen {course % 25}",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            finished_at=starts + timedelta(minutes=55),
            created_at=starts,
            course_id=courses[course],
        )
        first = index * args.students
        numbers = (course * enrolled + (first + k) % enrolled for k in range(args.students))
        data.lessons.append(lesson)
        data.records.append(
            [make_record(lesson, number, index, k) for k, number in enumerate(numbers)]
        )
    return data


def ad_hoc(data: Dataset) -> Dataset:
    """The same attendances and records without their courses (the rosters stay stored)."""
    lessons = [lesson.model_copy(update={"course_id": None}) for lesson in data.lessons]
    return Dataset(lessons, data.records, data.rosters)


async def seed_directory(database_url: str, data: Dataset) -> None:
    """Users, courses and enrolments as a school's database holds them before the job."""
    now = utcnow()
    users = {row["user_number"]: row for row in data.user_rows()}
    for numbers in data.rosters.values():
        for number in numbers:
            users.setdefault(number, _student(number, now))
    joined = now - timedelta(days=60)
    courses: list[dict[str, Any]] = []
    stays: list[dict[str, Any]] = []
    for index, (course_id, numbers) in enumerate(data.rosters.items()):
        courses.append(
            {"course_id": course_id, "code": f"BENCH{index:04d}", "name": f"Ders {index}",
             "term": "2026-güz", "created_at": joined, "updated_at": joined}
        )  # fmt: skip
        stays += [{"course_id": course_id, "student_number": n, "enrolled_at": joined,
                   "left_at": None} for n in numbers]  # fmt: skip
        on_roster = set(numbers)
        outside = [n for n in sorted(users) if n.startswith("S") and n not in on_roster]
        stays += [{"course_id": course_id, "student_number": n, "enrolled_at": joined,
                   "left_at": now - timedelta(days=30)}
                  for n in outside[index : index + LEFT_PER_COURSE]]  # fmt: skip
    engine = create_engine(database_url, application_name="attn-bench", null_pool=True)
    try:
        async with engine.begin() as connection:
            await connection.execute(insert(USERS), [users[n] for n in sorted(users)])
            await connection.execute(insert(COURSES), courses)
            await connection.execute(insert(ENROLMENTS), stays)
        async with engine.begin() as connection:
            await connection.execute(text("ANALYZE"))  # as autovacuum would have by now
    finally:
        await engine.dispose()


def _student(number: str, at: Any) -> dict[str, Any]:
    name = student_name(int(number.removeprefix("S")))
    return {"user_number": number, "full_name": name, "role": "student",
            "created_at": at, "updated_at": at}  # fmt: skip


async def verify_rows(database_url: str, data: Dataset) -> None:
    """Every record from Redis stored, and exactly the expected absent rows added."""
    engine = create_engine(database_url, application_name="attn-bench", null_pool=True)
    try:
        async with engine.connect() as connection:
            stored = await connection.scalar(select(func.count()).select_from(RECORDS))
            absent = await connection.scalar(
                select(func.count()).select_from(RECORDS).where(RECORDS.c.decided_by == ROSTER)
            )
    finally:
        await engine.dispose()
    if stored != data.record_count + data.absent_count or absent != data.absent_count:
        raise SystemExit(
            f"verification failed: {stored} rows stored, {absent} of them absent by the "
            f"roster; expected {data.record_count} records and {data.absent_count} absent"
        )


async def compare(
    backend: str,
    redis_url: str,
    database_url: str,
    unrelated: int,
    processes: int,
    args: argparse.Namespace,
) -> RosterResult:
    """``args.repeat`` rounds, each running both modes on fresh data; medians."""
    times: dict[str, list[JobTime]] = {mode: [] for mode in MODES}
    ratios: list[float] = []
    cpu_ratios: list[float] = []
    data = Dataset([], [])
    for round_index in range(args.repeat):
        order = MODES if round_index % 2 == 0 else MODES[::-1]
        data = make_course_dataset(args)  # new attendances each round, the same for both modes
        for mode in order:
            workload = data if mode == "rosters" else ad_hoc(data)
            await flush_redis(redis_url)
            await empty_tables(database_url)
            await seed_directory(database_url, workload)
            await fill_redis(redis_url, workload, unrelated)
            settings = job_settings(redis_url, database_url, args.data_dir, args.concurrency)
            times[mode].append(await timed_job(settings, processes))
            await verify_rows(database_url, workload)
        ratios.append(times["ad hoc"][-1].seconds / times["rosters"][-1].seconds)
        cpu_ratios.append(_total(times["ad hoc"][-1]) / _total(times["rosters"][-1]))
    absent_ms, plan = await absent_step(database_url, data)  # on the last round's rows
    await flush_redis(redis_url)
    await empty_tables(database_url)

    def median(of: Callable[[JobTime], float]) -> dict[str, float]:
        return {mode: statistics.median(map(of, values)) for mode, values in times.items()}

    return RosterResult(
        backend, unrelated, processes, data.record_count, data.absent_count,
        median(lambda t: t.seconds), median(lambda t: t.cpu), median(lambda t: t.server_cpu),
        ratios, cpu_ratios, absent_ms, plan,
    )  # fmt: skip


def _total(took: JobTime) -> float:
    return took.cpu + took.server_cpu


async def absent_step(database_url: str, data: Dataset) -> tuple[float, str]:
    """The job's absent step (``bulk.insert_absent``) alone for each stored attendance (the
    records of the last job run there, the absent rows removed first), in one transaction
    rolled back: the median ms, and the database's plan of the statement."""
    engine = create_engine(database_url, application_name="attn-bench", null_pool=True)
    seen: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        seen.append((statement, parameters))

    timings: list[float] = []
    try:
        async with engine.connect() as connection:
            transaction = await connection.begin()
            await connection.execute(delete(RECORDS).where(RECORDS.c.decided_by == ROSTER))
            event.listen(engine.sync_engine, "before_cursor_execute", capture)
            for lesson in data.lessons:
                started = time.perf_counter()
                await bulk.insert_absent(connection, AttendanceRow.from_redis(lesson))
                timings.append(time.perf_counter() - started)
            event.remove(engine.sync_engine, "before_cursor_execute", capture)
            plan = await _plan(connection, *seen[-1])
            await transaction.rollback()
    finally:
        await engine.dispose()
    return statistics.median(timings) * 1000, plan


async def _plan(connection: Any, statement: str, parameters: Any) -> str:
    """The plan of the last absent statement run (run again by EXPLAIN ANALYZE, it adds
    nothing: its rows are there)."""
    if connection.dialect.name == "postgresql":
        explain = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
    else:
        explain = "EXPLAIN QUERY PLAN "
    result = await connection.exec_driver_sql(explain + statement, tuple(parameters))
    return "\n".join(" | ".join(str(part) for part in row) for row in result)


def markdown(results: list[RosterResult]) -> str:
    """The figures as the table in docs/performance.md#with-rosters, then each plan."""
    lines = [
        "| database | worker processes | ad hoc rec/s | with rosters rec/s "
        "| with ÷ without (rounds) | CPU µs/record, job + server: ad hoc · rosters "
        "| CPU without ÷ with (rounds) | absent step ms/attendance |",
        "| --- | ---: | ---: | ---: | --- | --- | --- | ---: |",
    ]
    for r in results:
        rounds = ", ".join(f"{ratio:.2f}" for ratio in r.round_ratios)
        cpu_rounds = ", ".join(f"{ratio:.2f}" for ratio in r.cpu_ratios)
        cpu = " · ".join(
            f"{r.cpu_us(mode):.1f} + {r.server_us(mode):.1f}" for mode in ("ad hoc", "rosters")
        )
        lines.append(
            f"| {r.backend} | {r.processes} | {r.rate('ad hoc'):,.0f} "
            f"| {r.rate('rosters'):,.0f} | {r.ratio:.2f} ({rounds}) | {cpu} "
            f"| {statistics.median(r.cpu_ratios):.2f} ({cpu_rounds}) | {r.absent_ms:.2f} |"
        )
    for r in {r.backend: r for r in results}.values():
        lines += ["", f"the absent statement's plan on {r.backend}:", r.plan]
    return "\n".join(lines)
