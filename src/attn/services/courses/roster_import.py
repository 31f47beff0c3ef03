"""Importing a roster from CSV: every row checked first, then all written or none.

Format: ``student_number,full_name``, an optional header line (:data:`HEADERS`), blank
lines ignored; ``;`` as the delimiter and the encodings the user import reads
(:mod:`attn.services.accounts.user_import`, whose reading loop,
:mod:`attn.services.accounts.csv_rows`, and problem reporting this shares). A number
without an account becomes a student account without a password; an existing account is
never renamed by the file (its number is listed in ``kept_names`` when the names differ).
Students on the roster already are counted, not refused, so a file can be imported again.

Every problem of a rejected file is reported at once with its line: bad values, wrong
column counts, a number twice in the file, the number of a teacher's or admin's account.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.redis_client import RedisClient
from attn.db.sql import courses_repo, repository
from attn.db.sql.course_rows import CourseRow
from attn.db.sql.rows import NewUserRow, UserRow
from attn.models import Role
from attn.models.api_courses import RosterImportResult, RosterStudent
from attn.models.types import normalize_name
from attn.services.accounts.csv_rows import CsvShape, Problem, duplicates, read_file
from attn.services.accounts.user_import import rejected
from attn.services.accounts.users import validation_problems
from attn.services.courses import live_roster
from attn.services.outcomes import translated

COLUMNS = ("student_number", "full_name")
HEADERS = frozenset(
    {("student number", "full name"), ("ogrenci no", "ad soyad"), ("numara", "ad soyad")}
)
"""Header lines accepted, as :func:`~attn.models.types.normalize_name` folds them: the
English column names and the Turkish ones a registrar's export has (``Öğrenci No,Ad
Soyad``). A first line whose first cell has no digit is a header (student numbers have
digits): another one is a problem, never a student named after a column."""


@dataclass(frozen=True, slots=True)
class RosterRow:
    line: int
    student: RosterStudent


@dataclass(slots=True)
class RosterPlan:
    """What importing the file would do now; ``problems`` non-empty: nothing would be."""

    encoding: str | None
    create: list[RosterRow] = field(default_factory=list)
    """Rows of numbers without an account: created (no password) and enrolled."""
    enrol: list[RosterRow] = field(default_factory=list)
    """Rows of existing students not on the roster: enrolled."""
    already: list[RosterRow] = field(default_factory=list)
    """Rows of students on the roster already: left as they are."""
    kept_names: dict[str, str] = field(default_factory=dict)
    """Existing students whose name in the file differs: number -> the account's name."""
    problems: list[Problem] = field(default_factory=list)

    def planned(self) -> list[tuple[RosterRow, str]]:
        """Every valid row with what happens to it (``create``, ``enrol``, ``already``)."""
        kinds = (("create", self.create), ("enrol", self.enrol), ("already", self.already))
        return sorted(
            ((row, kind) for kind, rows in kinds for row in rows), key=lambda item: item[0].line
        )


def parse_roster(
    data: bytes, *, max_rows: int | None = None
) -> tuple[list[RosterRow], list[Problem], str | None]:
    """The file's valid rows, the problems of the others and the encoding read."""
    return read_file(data, _SHAPE, RosterRow, max_rows)


def _is_header(cells: list[str]) -> bool:
    return not _has_digit(cells[0])


def _header_problem(cells: list[str]) -> str | None:
    if tuple(normalize_name(cell) for cell in cells) in HEADERS:
        return None
    return "header must be " + ",".join(COLUMNS)


def _has_digit(cell: str) -> bool:
    return any(char.isdigit() for char in cell)


def _parse_row(line: int, cells: list[str]) -> RosterRow | Problem:
    number = cells[0].strip() or None
    if len(cells) != len(COLUMNS):
        message = f"expected 2 columns ({','.join(COLUMNS)}), got {len(cells)}"
        return Problem(line, "wrong_column_count", message, number)
    try:
        student = RosterStudent(student_number=cells[0].strip(), full_name=cells[1])
    except ValidationError as exc:
        return Problem(line, "invalid_row", "; ".join(validation_problems(exc)), number)
    return RosterRow(line, student)


_SHAPE = CsvShape(_is_header, _header_problem, _parse_row)


async def plan_import(
    session: AsyncSession, course: CourseRow, data: bytes, *, max_rows: int | None = None
) -> RosterPlan:
    """Check the file against the directory and the roster as they are; write nothing."""
    rows, problems, encoding = parse_roster(data, max_rows=max_rows)
    if not rows and not problems:
        problems.append(Problem(1, "empty_file", "the file has no student rows"))
    numbers = [row.student.student_number for row in rows]
    existing = await repository.get_users(session, numbers)
    enrolled = await courses_repo.enrolled_numbers(session, course.course_id, numbers)
    plan = RosterPlan(encoding)
    plan.problems = sorted([*problems, *_duplicates(rows), *_not_students(rows, existing)],
                           key=lambda problem: problem.line)  # fmt: skip
    for row in rows:
        number = row.student.student_number
        account = existing.get(number)
        if account is None:
            plan.create.append(row)
            continue
        (plan.already if number in enrolled else plan.enrol).append(row)
        if account.full_name != row.student.full_name:
            plan.kept_names[number] = account.full_name
    return plan


def _duplicates(rows: Sequence[RosterRow]) -> list[Problem]:
    return duplicates(((row.line, row.student.student_number) for row in rows), "student")


def _not_students(rows: Sequence[RosterRow], existing: Mapping[str, UserRow]) -> list[Problem]:
    return [
        Problem(row.line, "not_a_student", f"{number} is a {account.role.value}'s account", number)
        for row in rows
        if (account := existing.get(number := row.student.student_number)) is not None
        and account.role is not Role.STUDENT
    ]


async def import_roster(
    session: AsyncSession,
    redis: RedisClient,
    course: CourseRow,
    data: bytes,
    *,
    actor: str,
    now: datetime,
    max_rows: int | None = None,
) -> RosterImportResult:
    """Parse, check and import (the course's open attendances admit the new students);
    422 ``invalid_csv`` listing every problem by line."""
    plan = await plan_import(session, course, data, max_rows=max_rows)
    if plan.problems:
        raise rejected(plan.problems)
    result = await _write(session, course, plan, now)
    if result.enrolled_numbers:
        await live_roster.roster_changed(
            redis, course.course_id, added=_names(plan, result.enrolled_numbers)
        )
    await repository.add_audit(
        session,
        actor=actor,
        action="roster_imported",
        details={"course_id": str(course.course_id), "code": course.code, **result.model_dump()},
        at=now,
    )
    return result


def _names(plan: RosterPlan, numbers: Sequence[str]) -> dict[str, str]:
    """The names the directory has for ``numbers`` of the plan (an existing account keeps
    its own; a new one takes the file's)."""
    names = {
        row.student.student_number: row.student.full_name or row.student.student_number
        for row in [*plan.create, *plan.enrol]
    }
    names |= plan.kept_names
    return {number: names[number] for number in numbers if number in names}


async def _write(
    session: AsyncSession, course: CourseRow, plan: RosterPlan, now: datetime
) -> RosterImportResult:
    """Create the missing students, enrol the file's students; what was done."""
    new = [
        NewUserRow(
            user_number=row.student.student_number,
            full_name=row.student.full_name or row.student.student_number,
            role=Role.STUDENT,
        )
        for row in plan.create
    ]
    with translated():
        await repository.create_users(session, new, at=now)
    to_enrol = [row.student.student_number for row in [*plan.create, *plan.enrol]]
    enrolled = await courses_repo.enrol(session, course.course_id, to_enrol, at=now)
    return RosterImportResult(
        enrolled=len(enrolled),
        already_enrolled=len(plan.already) + len(to_enrol) - len(enrolled),
        created=len(new),
        enrolled_numbers=enrolled,
        created_numbers=[row.user_number for row in new],
        kept_names=sorted(plan.kept_names),
        encoding=plan.encoding,
    )
