"""``attn course add|list`` and ``attn course roster import|list``: courses and rosters
from the command line (same rules as the API; the audit log names the actor ``cli``).

Bad input (a bad or taken code, a number that is no teacher's, an unknown course, a bad
CSV row with its line number) ends with one line on stderr and exit code 1.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from attn.cli.base import app, fail, run_async
from attn.cli.users import CLI_ACTOR, transaction

course_app = typer.Typer(help="Manage courses and their rosters.", no_args_is_help=True)
roster_app = typer.Typer(help="A course's roster.", no_args_is_help=True)
app.add_typer(course_app, name="course")
course_app.add_typer(roster_app, name="roster")

CourseArgument = Annotated[str, typer.Argument(help="The course's code, e.g. BIL203.")]


def _parse_course(values: dict[str, Any]) -> Any:
    from attn.models.api_courses import CourseCreate
    from attn.services.accounts.users import validation_problems

    try:
        return CourseCreate.model_validate(values)
    except ValidationError as exc:
        raise fail("; ".join(validation_problems(exc))) from None


@course_app.command("add")
@run_async
async def add(
    code: Annotated[str, typer.Argument(help="Unique code, e.g. BIL203.")],
    name: Annotated[str, typer.Argument(help="The course's name.")],
    term: Annotated[str, typer.Option("--term", "-t", metavar="TERM", help="e.g. 2026-güz.")],
    teacher: Annotated[
        list[str] | None,
        typer.Option("--teacher", metavar="NUMBER", help="A teacher's number (repeatable)."),
    ] = None,
    late_weight: Annotated[
        int,
        typer.Option(
            min=0, max=100, metavar="PERCENT", help="A late arrival's weight in the rate, %."
        ),
    ] = 100,
    threshold: Annotated[
        int,
        typer.Option(
            min=0, max=100, metavar="PERCENT", help="Attendance rate students should reach, %."
        ),
    ] = 70,
) -> None:
    """Create a course with its teachers."""
    from attn.services.courses import catalogue

    data = _parse_course(
        {"code": code, "name": name, "term": term, "teacher_numbers": teacher or [],
         "late_weight_percent": late_weight, "threshold_percent": threshold}
    )  # fmt: skip
    async with transaction("cli") as (runtime, session):
        course = await catalogue.create_course(
            session, data, actor=CLI_ACTOR, now=runtime.clock.now()
        )
    teachers = ", ".join(course.teacher_numbers) or "no teacher yet"
    typer.echo(f"created course {course.code} ({course.name}, {course.term}; {teachers})")


@course_app.command("list")
@run_async
async def list_(
    term: Annotated[
        str | None, typer.Option("--term", "-t", metavar="TERM", help="Only this term's.")
    ] = None,
) -> None:
    """List courses (tab-separated: code, term, name, teachers, enrolled)."""
    from attn.db.sql import courses_repo

    async with transaction("cli") as (_, session):
        found = await courses_repo.list_courses(session, term=term)
    for course in found:
        teachers = ",".join(course.teacher_numbers)
        typer.echo(f"{course.code}\t{course.term}\t{course.name}\t{teachers}\t{course.enrolled}")
    typer.echo(f"{len(found)} course(s)", err=True)


@roster_app.command("import")
@run_async
async def import_(
    course: CourseArgument,
    file: Annotated[Path, typer.Argument(help="CSV: student_number,full_name; - for stdin.")],
) -> None:
    """Import a roster from CSV: all rows or none; bad rows reported by line."""
    from attn.services.courses import access, roster_import

    try:
        data = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc.strerror or exc}") from None
    async with transaction("cli") as (runtime, session):
        found = await access.get_course_by_code(session, course)
        result = await roster_import.import_roster(
            session, runtime.redis_client, found, data, actor=CLI_ACTOR, now=runtime.clock.now()
        )
    typer.echo(
        f"{found.code}: {result.enrolled} enrolled, {result.already_enrolled} already on the "
        f"roster, {result.created} student account(s) created (read as {result.encoding})"
    )


@roster_app.command("list")
@run_async
async def roster_list(course: CourseArgument) -> None:
    """A course's roster (tab-separated: number, name)."""
    from attn.services.courses import access, roster

    async with transaction("cli") as (_, session):
        found = await access.get_course_by_code(session, course)
        entries = await roster.list_roster(session, found)
    for entry in entries:
        typer.echo(f"{entry.student_number}\t{entry.full_name}")
    typer.echo(f"{len(entries)} student(s) on {found.code}", err=True)
