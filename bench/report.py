"""Report benchmark: a course's report and a student's own summary in a large institution.

Seeds (``bench/report_setup.py``) 20,000 students, 2,000 courses and about 2,000,000 records
at ``--scale 1``, course ``BENCH0000`` having 300 students × 42 attendances (12,600
records), then measures on SQLite and PostgreSQL, interleaved in the same run:

- the course report: ``build_course_report`` (the queries, the matrix, the rates) and its
  JSON, as ``GET /api/v1/courses/{id}/report`` sends it (and, for the record, the same
  report as the XLSX workbook, which has no limit in the issue);
- next to it, a bare indexed ``SELECT`` of the same 12,600 rows (attendance, student,
  status), through the same driver and session;
- a student's own summary (``build_student_report`` and its JSON) for students of that
  course, each on about three courses, next to a bare ``SELECT`` of that student's rows.

Each figure is the median of ``--runs`` runs (after warm-up runs), with the ratio to its
bare ``SELECT``; the machine is shared, so medians, not best runs.

    python -m bench.report                          # scale 1: SQLite + embedded PostgreSQL
    python -m bench.report --scale 0.05 --runs 11   # a quick run
    python -m bench.report --postgres-url postgresql://postgres@127.0.0.1:5432/test
    python -m bench.report --only sqlite

Everything it touches is its own: a SQLite file in a temporary folder and a new
``attn_bench_*`` database on the PostgreSQL server, dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Uuid, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from attn.db.sql.engine import create_engine, create_sessionmaker
from attn.db.sql.migrate import upgrade
from attn.models import Role, UserRedis
from attn.models.types import utcnow
from attn.services.reports import downloads
from attn.services.reports.course import build_course_report
from attn.services.reports.student import build_student_report
from attn.web.report_words import report_words
from bench.persist_setup import scratch_postgres
from bench.report_setup import Institution, Scale, build, seed_postgres, seed_sqlite

COURSE_LIMIT_MS = 150.0
STUDENT_LIMIT_MS = 50.0
BARE_COURSE = text(
    "SELECT r.attendance_id, r.student_number, r.status FROM attendance_records r "
    "JOIN attendances a ON a.attendance_id = r.attendance_id "
    "WHERE a.course_id = :course AND a.deleted_at IS NULL AND r.deleted_at IS NULL"
).bindparams(bindparam("course", type_=Uuid()))
"""The same rows as the report's records query; the id bound as the app binds it (hex on
SQLite)."""
BARE_STUDENT = text(
    "SELECT a.course_id, r.attendance_id, r.status FROM attendance_records r "
    "JOIN attendances a ON a.attendance_id = r.attendance_id "
    "WHERE r.student_number = :student AND a.course_id IS NOT NULL "
    "AND a.deleted_at IS NULL AND r.deleted_at IS NULL"
)
WORDS = report_words("tr")
Timed = Callable[[AsyncSession, int], Awaitable[int]]


def _user(number: str, role: Role) -> UserRedis:
    now = utcnow()
    return UserRedis(
        user_number=number,
        full_name="Bench",
        role=role,
        token_hash="0" * 64,
        issued_at=now,
        expires_at=now + timedelta(hours=1),
    )


def measures(institution: Institution) -> dict[str, Timed]:
    """The four measurements; each returns how many rows (or bytes) it produced, which the
    run checks so a measurement cannot silently read nothing."""
    admin, course = _user("A0000", Role.ADMIN), institution.target_course
    students = institution.target_students

    async def course_report(session: AsyncSession, run: int) -> int:
        report = await build_course_report(session, admin, course)
        return len(report.model_dump_json())

    async def bare_course(session: AsyncSession, run: int) -> int:
        return len((await session.execute(BARE_COURSE, {"course": course})).all())

    async def own_summary(session: AsyncSession, run: int) -> int:
        number = students[run % len(students)]
        report = await build_student_report(session, _user(number, Role.STUDENT), number)
        return len(report.model_dump_json())

    async def bare_student(session: AsyncSession, run: int) -> int:
        number = students[run % len(students)]
        return len((await session.execute(BARE_STUDENT, {"student": number})).all())

    async def course_xlsx(session: AsyncSession, run: int) -> int:
        report = await build_course_report(session, admin, course)
        return len(downloads.course_xlsx(report, words=WORDS, zone=UTC).content)

    return {
        "course XLSX": course_xlsx,
        "course report": course_report,
        "  bare SELECT": bare_course,
        "student summary": own_summary,
        "  bare SELECT ": bare_student,
    }


async def measure(
    sessionmaker: async_sessionmaker[AsyncSession],
    timed: dict[str, Timed],
    runs: int,
    warmup: int,
) -> dict[str, list[float]]:
    """Milliseconds of each measurement, interleaved run by run, a new session each time
    (as a request has)."""
    found: dict[str, list[float]] = {name: [] for name in timed}
    for run in range(warmup + runs):
        for name, work in timed.items():
            async with sessionmaker() as session:
                started = time.perf_counter()
                produced = await work(session, run)
                elapsed = (time.perf_counter() - started) * 1000
            if produced <= 0:
                raise SystemExit(f"{name} produced nothing: the benchmark is broken")
            if run >= warmup:
                found[name].append(elapsed)
    return found


def report_lines(backend: str, found: dict[str, list[float]]) -> list[str]:
    medians = {name: statistics.median(values) for name, values in found.items()}
    lines = []
    pairs = [("course report", "  bare SELECT", COURSE_LIMIT_MS),
             ("student summary", "  bare SELECT ", STUDENT_LIMIT_MS)]  # fmt: skip
    for name, bare, limit in pairs:
        mine, base = medians[name], medians[bare]
        verdict = "within" if mine <= limit else "OVER"
        lines.append(
            f"{backend:<10} {name:<16} median {mine:7.1f} ms  (p90 {_p90(found[name]):6.1f})"
            f"  {verdict} {limit:.0f} ms;  bare SELECT {base:6.1f} ms"
            f" (p90 {_p90(found[bare]):6.1f});  ratio {mine / base:4.1f}x"
        )
    lines.append(
        f"{backend:<10} {'course XLSX':<16} median {medians['course XLSX']:7.1f} ms"
        f"  (p90 {_p90(found['course XLSX']):6.1f})  (the report, then the workbook)"
    )
    return lines


def _p90(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.9 * len(values)) - 1)]


async def run_backend(url: str, institution: Institution, args: argparse.Namespace) -> list[str]:
    engine = create_engine(url, application_name="attn-bench")
    try:
        sessionmaker = create_sessionmaker(engine)
        found = await measure(sessionmaker, measures(institution), args.runs, args.warmup)
    finally:
        await engine.dispose()
    return report_lines(make_backend_name(url), found)


def make_backend_name(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def log(message: str) -> None:
    print(message, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1: 2,000,000 records")
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--postgres-url", default=os.environ.get("ATTN_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    scale = Scale.of(args.scale)
    started = time.perf_counter()
    institution = build(scale)
    # The seed rows (millions of dicts) stay in memory for the second backend; out of the
    # collector's sight, or every full collection during a measurement walks them all and
    # a report that allocates some thousand objects pays for it (no server holds them).
    gc.collect()
    gc.freeze()
    log(
        f"institution: {scale.students:,} students, {scale.courses:,} courses, "
        f"{institution.record_count:,} records (built in {time.perf_counter() - started:.0f} s)"
    )
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="attn-bench-report-") as folder:
        if args.only in (None, "sqlite"):
            url = f"sqlite+aiosqlite:///{Path(folder) / 'report.sqlite3'}"
            upgrade(url)
            _seeded("sqlite", lambda: seed_sqlite(url, institution, log))
            lines += asyncio.run(run_backend(url, institution, args))
            log("\n".join(lines[-3:]))
        if args.only in (None, "postgresql"):
            with scratch_postgres(args.postgres_url, Path(folder)) as url:
                _seeded("postgresql", lambda: asyncio.run(seed_postgres(url, institution, log)))
                lines += asyncio.run(run_backend(url, institution, args))
    log(f"\nmedians of {args.runs} runs each ({args.warmup} warm-up), scale {args.scale}:")
    for line in lines:
        log(line)


def _seeded(backend: str, seed: Callable[[], Any]) -> None:
    started = time.perf_counter()
    log(f"seeding {backend}:")
    seed()
    log(f"  seeded in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
