"""The one loop that reads an import's CSV text into checked rows and line-numbered problems.

The user import and the roster import read their files the same way: blank lines skipped,
an optional header on the first non-blank line, a row limit, each row parsed on its own
(parsing goes on past bad rows), a malformed quote reported at the line it starts on. What
differs (what a header looks like, what a row holds) is passed in, so the line numbers and
the problem codes of both stay the same by construction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from attn.services.accounts.csv_text import NotText, decode_csv

Row = TypeVar("Row")


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong with one line of an import file."""

    line: int
    code: str
    message: str
    user_number: str | None = None

    def as_detail(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "code": self.code,
            "message": self.message,
            "user_number": self.user_number,
        }


@dataclass(frozen=True, slots=True)
class CsvShape:
    """What tells one import's lines apart: a header, and a row.

    ``is_header`` sees the first non-blank line's cells (when no problem came before);
    ``header_problem`` is why such a header is wrong (None: it is right, and skipped);
    ``parse_row`` turns a data line into a row or its problem.
    """

    is_header: Callable[[list[str]], bool]
    header_problem: Callable[[list[str]], str | None]
    parse_row: Callable[[int, list[str]], object]


def read_file(
    data: bytes, shape: CsvShape, row_type: type[Row], max_rows: int | None
) -> tuple[list[Row], list[Problem], str | None]:
    """The file's valid rows, the problems of the others and the encoding read (None: the
    bytes are not text, which is the one problem)."""
    try:
        decoded = decode_csv(data)
    except NotText as exc:
        return [], [Problem(exc.line, "bad_encoding", exc.message)], None
    rows, problems = read_rows(decoded.text, shape, row_type, max_rows)
    return rows, problems, decoded.encoding


def read_rows(
    text: str,
    shape: CsvShape,
    row_type: type[Row],
    max_rows: int | None,
) -> tuple[list[Row], list[Problem]]:
    """The valid rows (of ``row_type``) and the problems of the others, by line."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_of(text), strict=True)
    rows: list[Row] = []
    problems: list[Problem] = []
    data_rows, next_line = 0, 1
    try:
        for cells in reader:
            line, next_line = next_line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if data_rows == 0 and not problems and shape.is_header(cells):
                message = shape.header_problem(cells)
                if message is not None:
                    problems.append(Problem(line, "bad_header", message))
                continue
            data_rows += 1
            if max_rows is not None and data_rows > max_rows:
                message = f"more than {max_rows} rows; split the file"
                problems.append(Problem(line, "too_many_rows", message))
                break
            row = shape.parse_row(line, cells)
            if isinstance(row, row_type):
                rows.append(row)
            elif isinstance(row, Problem):
                problems.append(row)
    except csv.Error as exc:
        problems.append(Problem(next_line, "bad_csv", str(exc)))
    return rows, problems


def delimiter_of(text: str) -> str:
    """``;`` when the first line has more semicolons than commas, else ``,``."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if first.count(";") > first.count(",") else ","


def duplicates(numbered: Iterable[tuple[int, str]], noun: str) -> list[Problem]:
    """A ``duplicate_in_file`` problem for each number's second and later lines."""
    first_seen: dict[str, int] = {}
    problems = []
    for line, number in numbered:
        if number in first_seen:
            message = f"{noun} {number} is also on line {first_seen[number]}"
            problems.append(Problem(line, "duplicate_in_file", message, number))
        else:
            first_seen[number] = line
    return problems
