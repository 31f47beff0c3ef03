"""Importing accounts from CSV: every row checked first, then all written or none.

Format: ``user_number,full_name,role[,password]``, an optional header line naming those
columns, blank lines ignored. Semicolons are accepted as the delimiter when the first line
has more of them than commas (spreadsheets in locales whose decimal mark is a comma export
that way). An empty password cell means "no password".

Encoding: UTF-8 with or without BOM; otherwise the one :func:`attn.services.accounts.csv_text.
decode_csv` detects, Windows-1254 preferred (what Excel in a Turkish locale saves). The
encoding read is part of the answer, so a garbled name can be traced to it.

Every problem of a rejected file is reported at once, with its line number, so the admin
fixes the file in one go: bad values, wrong column counts, a number twice in the file, and
(unless ``on_existing`` says otherwise) numbers that already exist. Nothing is written
unless the whole file is good, and the writes share the caller's one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from attn.config import Settings
from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.db.sql.rows import NewUserRow, UserRow
from attn.errors import InvalidCsv, InvalidInput
from attn.models.api_users import ImportResult, OnExisting, UserCreate
from attn.services.accounts import users
from attn.services.accounts.csv_rows import CsvShape, Problem, duplicates, read_file
from attn.services.accounts.users import hash_passwords, validation_problems
from attn.services.outcomes import translated

COLUMNS = ("user_number", "full_name", "role", "password")
REQUIRED_COLUMNS = 3
MAX_PROBLEMS_IN_MESSAGE = 5


@dataclass(frozen=True, slots=True)
class ParsedRow:
    line: int
    user: UserCreate


@dataclass(frozen=True, slots=True)
class ParsedCsv:
    rows: list[ParsedRow]
    """The valid rows."""
    problems: list[Problem]
    """The problems of the others (parsing goes on past bad rows)."""
    encoding: str | None
    """What the bytes were read as (``ascii``, ``utf-8``, ``cp1254``, …); None: no text."""


def parse_csv(data: bytes, *, max_rows: int | None = None) -> ParsedCsv:
    """The file's rows, checked one by one, and the encoding it was read in."""
    return ParsedCsv(*read_file(data, _SHAPE, ParsedRow, max_rows))


def _is_header(cells: list[str]) -> bool:
    return cells[0].strip().lower() == COLUMNS[0]


def _header_problem(cells: list[str]) -> str | None:
    names = tuple(cell.strip().lower() for cell in cells)
    if names in (COLUMNS[:REQUIRED_COLUMNS], COLUMNS):
        return None
    return "header must be " + ",".join(COLUMNS[:REQUIRED_COLUMNS]) + "[,password]"


def _parse_row(line: int, cells: list[str]) -> ParsedRow | Problem:
    number = cells[0].strip() or None
    if not REQUIRED_COLUMNS <= len(cells) <= len(COLUMNS):
        message = f"expected 3 or 4 columns ({','.join(COLUMNS)}), got {len(cells)}"
        return Problem(line, "wrong_column_count", message, number)
    values: dict[str, Any] = {
        "user_number": cells[0].strip(),
        "full_name": cells[1],
        "role": cells[2].strip().lower(),
        "password": (cells[3] or None) if len(cells) == len(COLUMNS) else None,
    }
    try:
        return ParsedRow(line, UserCreate.model_validate(values))
    except ValidationError as exc:
        return Problem(line, "invalid_row", "; ".join(validation_problems(exc)), number)


_SHAPE = CsvShape(_is_header, _header_problem, _parse_row)


def _duplicates(rows: Sequence[ParsedRow]) -> list[Problem]:
    return duplicates(((row.line, row.user.user_number) for row in rows), "user")


async def import_csv(
    session: AsyncSession,
    redis: RedisClient,
    settings: Settings,
    data: bytes,
    *,
    on_existing: OnExisting = OnExisting.ERROR,
    actor: str,
    now: datetime,
    max_rows: int | None = None,
) -> ImportResult:
    """Parse, check and import a CSV file; :class:`InvalidInput` lists every problem."""
    parsed = parse_csv(data, max_rows=max_rows)
    problems = parsed.problems
    if not parsed.rows and not problems:
        problems.append(Problem(1, "empty_file", "the file has no user rows"))
    return await import_rows(
        session,
        redis,
        settings,
        parsed.rows,
        on_existing=on_existing,
        actor=actor,
        now=now,
        problems=problems,
        encoding=parsed.encoding,
    )


async def import_rows(
    session: AsyncSession,
    redis: RedisClient,
    settings: Settings,
    rows: Sequence[ParsedRow],
    *,
    on_existing: OnExisting = OnExisting.ERROR,
    actor: str,
    now: datetime,
    problems: Sequence[Problem] = (),
    encoding: str | None = None,
) -> ImportResult:
    """Write validated rows (all or nothing, in the caller's transaction); ``encoding`` is
    what their file was read as, for the answer.

    ``update`` sets name, role and (when given) password of existing users, and ends their
    login session when the role or password changes, so a demoted teacher does not keep a
    teacher's session; a new name is written into the session (``users.apply_to_session``).
    """
    existing = await repository.get_users(session, [row.user.user_number for row in rows])
    _refuse_problems(rows, existing, on_existing, problems)
    new = [row.user for row in rows if row.user.user_number not in existing]
    old = [row.user for row in rows if row.user.user_number in existing]
    updates = old if on_existing is OnExisting.UPDATE else []
    skipped = old if on_existing is OnExisting.SKIP else []
    await _write(session, redis, settings, new, updates, existing, now)
    result = _result(new, updates, skipped, encoding)
    await repository.add_audit(
        session,
        actor=actor,
        action="users_imported",
        details={"on_existing": on_existing.value, **result.model_dump()},
        at=now,
    )
    return result


def _refuse_problems(
    rows: Sequence[ParsedRow],
    existing: Mapping[str, UserRow],
    on_existing: OnExisting,
    problems: Sequence[Problem],
) -> None:
    """Raise :class:`InvalidInput` listing every problem (:func:`all_problems`) before
    anything is written."""
    found = all_problems(rows, existing, on_existing, problems)
    if found:
        raise rejected(found)


def all_problems(
    rows: Sequence[ParsedRow],
    existing: Mapping[str, UserRow],
    on_existing: OnExisting,
    problems: Sequence[Problem],
) -> list[Problem]:
    """The parse problems, the numbers twice in the file and (with ``on_existing=error``)
    the numbers that exist, by line."""
    found = [*problems, *_duplicates(rows)]
    if on_existing is OnExisting.ERROR:
        found += [
            Problem(row.line, "user_exists", f"user {number} already exists", number)
            for row in rows
            if (number := row.user.user_number) in existing
        ]
    return sorted(found, key=lambda problem: problem.line)


async def _write(
    session: AsyncSession,
    redis: RedisClient,
    settings: Settings,
    new: Sequence[UserCreate],
    updates: Sequence[UserCreate],
    existing: Mapping[str, UserRow],
    now: datetime,
) -> None:
    """Create the new users, then update the existing ones; one batch of password hashes."""
    hashes = await hash_passwords(settings, [user.password for user in [*new, *updates]])
    new_rows = [
        NewUserRow(
            user_number=user.user_number,
            full_name=user.full_name,
            role=user.role,
            password_hash=password_hash,
        )
        for user, password_hash in zip(new, hashes, strict=False)
    ]
    with translated():
        await repository.create_users(session, new_rows, at=now)
    for user, password_hash in zip(updates, hashes[len(new) :], strict=True):
        await _update(session, redis, existing[user.user_number], user, password_hash, now)


def _result(
    new: Sequence[UserCreate],
    updates: Sequence[UserCreate],
    skipped: Sequence[UserCreate],
    encoding: str | None,
) -> ImportResult:
    """The answer, which the audit entry repeats."""
    return ImportResult(
        created=len(new),
        updated=len(updates),
        skipped=len(skipped),
        created_numbers=[user.user_number for user in new],
        updated_numbers=[user.user_number for user in updates],
        skipped_numbers=[user.user_number for user in skipped],
        encoding=encoding,
    )


async def _update(
    session: AsyncSession,
    redis: RedisClient,
    current: UserRow,
    user: UserCreate,
    password_hash: str | None,
    now: datetime,
) -> None:
    await repository.update_user(
        session,
        user.user_number,
        full_name=user.full_name,
        role=user.role,
        password_hash=password_hash,
        at=now,
    )
    await users.apply_to_session(
        redis, current, user.full_name, user.role, password_changed=password_hash is not None
    )


def rejected(problems: Sequence[Problem]) -> InvalidInput:
    """The 422 ``invalid_csv`` of a refused file: the first problems in the message, every
    one in ``details`` (the roster import answers the same way)."""
    ordered = sorted(problems, key=lambda problem: problem.line)
    shown = "; ".join(f"line {p.line}: {p.message}" for p in ordered[:MAX_PROBLEMS_IN_MESSAGE])
    more = len(ordered) - MAX_PROBLEMS_IN_MESSAGE
    suffix = f"; and {more} more" if more > 0 else ""
    return InvalidCsv(
        f"CSV rejected, nothing imported ({len(ordered)} problem(s)): {shown}{suffix}",
        details=[problem.as_detail() for problem in ordered],
    )
