"""``attn course add|list`` and ``attn course roster import|list`` as an operator runs them
(in-process, on the test Redis and a migrated SQLite file)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.cli.test_users_cli import attn, cli_env, one_error_line, users_in
from tests.test_logging import restore_logging

__all__ = ["cli_env", "restore_logging"]  # the fixtures, used by every test here


def enrolled_in(sqlite_url: str) -> list[tuple[str, str]]:
    path = sqlite_url.split(":///", 1)[1]
    with closing(sqlite3.connect(path)) as connection:
        rows = connection.execute(
            "SELECT c.code, e.student_number FROM enrolments e JOIN courses c"
            " ON c.course_id = e.course_id WHERE e.left_at IS NULL ORDER BY 1, 2"
        )
        return [(code, number) for code, number in rows]


@pytest.fixture
def teacher() -> None:
    result = attn("user", "add", "T1", "--name", "Ayşe Yılmaz", "--role", "teacher",
                  "--no-password")  # fmt: skip
    assert result.exit_code == 0, result.output


class TestCourseCommands:
    def test_add_and_list(self, teacher: None) -> None:
        result = attn("course", "add", "bil203", "Veri Yapıları", "--term", "2026-güz",
                      "--teacher", "T1")  # fmt: skip
        assert result.exit_code == 0, result.output
        assert result.stdout.strip() == "created course BIL203 (Veri Yapıları, 2026-güz; T1)"
        listed = attn("course", "list")
        assert listed.exit_code == 0, listed.output
        assert listed.stdout.splitlines() == ["BIL203\t2026-güz\tVeri Yapıları\tT1\t0"]

    @pytest.mark.parametrize(
        ("args", "says"),
        [
            (["BIL203", "Fizik", "--term", "2026-güz"], "a course with code BIL203 exists"),
            (["BIL 9", "Fizik", "--term", "x"], "code: String should match pattern"),
            (["FIZ1", "Fizik", "--term", "x", "--teacher", "S1"], "not a teacher's account: S1"),
        ],
        ids=["taken", "bad-code", "not-a-teacher"],
    )
    def test_bad_input_is_one_line_and_exit_1(
        self, teacher: None, args: list[str], says: str
    ) -> None:
        assert attn("course", "add", "BIL203", "Veri Yapıları", "--term", "2026-güz").exit_code == 0
        result = attn("course", "add", *args)
        assert result.exit_code == 1
        assert says in one_error_line(result)


class TestRosterImport:
    def test_import_and_list(self, teacher: None, sqlite_url: str, tmp_path: Path) -> None:
        assert attn("course", "add", "BIL203", "Veri Yapıları", "--term", "2026-güz").exit_code == 0
        file = tmp_path / "roster.csv"
        file.write_bytes("student_number,full_name\nS1,Çiğdem Öztürk\nS2,İsmail Işık\n".encode())
        result = attn("course", "roster", "import", "bil203", str(file))
        assert result.exit_code == 0, result.output
        assert result.stdout.strip() == (
            "BIL203: 2 enrolled, 0 already on the roster, 2 student account(s) created"
            " (read as utf-8)"
        )
        assert enrolled_in(sqlite_url) == [("BIL203", "S1"), ("BIL203", "S2")]
        assert users_in(sqlite_url)["S1"] == ("Çiğdem Öztürk", "student", None)
        listed = attn("course", "roster", "list", "BIL203")
        assert listed.stdout.splitlines() == ["S1\tÇiğdem Öztürk", "S2\tİsmail Işık"]

    def test_a_bad_file_names_its_lines_and_writes_nothing(
        self, teacher: None, sqlite_url: str, tmp_path: Path
    ) -> None:
        assert attn("course", "add", "BIL203", "Veri Yapıları", "--term", "2026-güz").exit_code == 0
        file = tmp_path / "roster.csv"
        file.write_text("S1,Ali\nS1,Ali\nT1,Ayşe Yılmaz\n", encoding="utf-8")
        result = attn("course", "roster", "import", "BIL203", str(file))
        assert result.exit_code == 1
        line = one_error_line(result)
        assert "line 2: student S1 is also on line 1" in line
        assert "line 3: T1 is a teacher's account" in line
        assert enrolled_in(sqlite_url) == []
        assert "S1" not in users_in(sqlite_url)

    @pytest.mark.parametrize(
        ("course", "file", "says"),
        [
            ("NOPE1", "roster.csv", "no course with code NOPE1"),
            ("BIL203", "missing.csv", "cannot read"),
        ],
        ids=["unknown-course", "missing-file"],
    )
    def test_unknown_course_or_file(
        self, teacher: None, tmp_path: Path, course: str, file: str, says: str
    ) -> None:
        assert attn("course", "add", "BIL203", "Veri Yapıları", "--term", "2026-güz").exit_code == 0
        (tmp_path / "roster.csv").write_text("S1,Ali\n", encoding="utf-8")
        result = attn("course", "roster", "import", course, str(tmp_path / file))
        assert result.exit_code == 1
        assert says in one_error_line(result)
