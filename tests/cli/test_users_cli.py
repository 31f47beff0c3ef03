"""``attn user add|import|list`` and ``attn demo`` as an operator runs them.

The ``user`` commands run in-process (Typer's runner) against the test Redis and a migrated
SQLite file; ``attn demo`` runs as a real process on the embedded defaults.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
import redis as sync_redis
from typer.testing import CliRunner, Result

from attn.cli import app
from attn.config import get_settings
from attn.services.accounts.passwords import verify_password
from tests.helpers.processes import clean_env, run_attn
from tests.test_logging import restore_logging

__all__ = ["restore_logging"]  # the fixture, used by every test here

runner = CliRunner()


@pytest.fixture(autouse=True)
def cli_env(
    monkeypatch: pytest.MonkeyPatch,
    redis_url: str,
    sqlite_url: str,
    tmp_path: Path,
    restore_logging: None,
) -> Iterator[None]:
    """The commands' settings come from the environment, as for an operator."""
    for name in list(os.environ):
        if name.startswith("ATTN_") and not name.startswith("ATTN_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ATTN_REDIS_URL", redis_url)
    monkeypatch.setenv("ATTN_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ATTN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ATTN_AUTO_MIGRATE", "false")
    monkeypatch.setenv("ATTN_LOG_LEVEL", "ERROR")  # stderr holds only what the command says
    client = sync_redis.Redis.from_url(redis_url)
    client.flushdb()
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
    client.flushdb()
    client.close()


def attn(*args: str, input: str | None = None) -> Result:
    return runner.invoke(app, list(args), input=input)


def users_in(sqlite_url: str) -> dict[str, tuple[str, str, str | None]]:
    path = sqlite_url.split(":///", 1)[1]
    with closing(sqlite3.connect(path)) as connection:
        rows = connection.execute("SELECT user_number, full_name, role, password_hash FROM users")
        return {number: (name, role, password_hash) for number, name, role, password_hash in rows}


def one_error_line(result: Result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    return lines[0]


class TestUserAdd:
    def test_with_the_password_option(self, sqlite_url: str) -> None:
        result = attn("user", "add", "T1001", "--name", "Ayşe Yılmaz", "--role", "teacher",
                      "--password", "teacher-pass")  # fmt: skip
        assert result.exit_code == 0, result.output
        assert result.stdout.strip() == "created teacher T1001 (Ayşe Yılmaz)"
        name, role, password_hash = users_in(sqlite_url)["T1001"]
        assert (name, role) == ("Ayşe Yılmaz", "teacher")
        assert verify_password(password_hash, "teacher-pass")

    def test_prompts_with_hidden_input_and_confirmation(self, sqlite_url: str) -> None:
        result = attn("user", "add", "S1", "--name", "Ali", input="prompted-pass\nprompted-pass\n")
        assert result.exit_code == 0, result.output
        assert "prompted-pass" not in result.output
        assert verify_password(users_in(sqlite_url)["S1"][2], "prompted-pass")

    def test_a_mismatched_confirmation_creates_nothing(self, sqlite_url: str) -> None:
        result = attn("user", "add", "S1", "--name", "Ali", input="first-pass\nother-pass\n")
        assert result.exit_code != 0
        assert users_in(sqlite_url) == {}

    def test_password_from_stdin(self, sqlite_url: str) -> None:
        result = attn("user", "add", "S1", "--name", "Ali", "--password-stdin",
                      input="stdin-password\n")  # fmt: skip
        assert result.exit_code == 0, result.output
        assert verify_password(users_in(sqlite_url)["S1"][2], "stdin-password")

    def test_without_a_password(self, sqlite_url: str) -> None:
        result = attn("user", "add", "S1", "--name", "Ali", "--no-password")
        assert result.exit_code == 0
        assert "cannot log in yet" in result.stdout
        assert users_in(sqlite_url)["S1"] == ("Ali", "student", None)

    @pytest.mark.parametrize(
        ("args", "mentions"),
        [
            (["bad number", "--name", "Ali", "--no-password"], "user_number"),
            (["S" * 33, "--name", "Ali", "--no-password"], "user_number"),
            (["S1", "--name", "   ", "--no-password"], "full_name"),
            (["S1", "--name", "Ali", "--password", "short"], "password"),
        ],
    )
    def test_bad_input_is_one_line_and_exit_1(
        self, sqlite_url: str, args: list[str], mentions: str
    ) -> None:
        result = attn("user", "add", *args)
        assert result.exit_code == 1
        line = one_error_line(result)
        assert mentions in line
        assert "'short'" not in line  # the rejected password is not echoed
        assert users_in(sqlite_url) == {}

    @pytest.mark.parametrize("number", ["self", "roster", "face_verification", "Roster"])
    def test_a_reserved_number_is_one_line_and_exit_1(self, sqlite_url: str, number: str) -> None:
        result = attn("user", "add", number, "--name", "Ali", "--no-password")
        assert result.exit_code == 1
        assert "reserved" in one_error_line(result)
        assert users_in(sqlite_url) == {}

    def test_an_unknown_role_is_a_usage_error(self) -> None:
        result = attn("user", "add", "S1", "--name", "Ali", "--role", "wizard", "--no-password")
        assert result.exit_code == 2

    def test_a_duplicate_is_one_line_and_exit_1(self) -> None:
        assert attn("user", "add", "S1", "--name", "Ali", "--no-password").exit_code == 0
        result = attn("user", "add", "S1", "--name", "Veli", "--no-password")
        assert result.exit_code == 1
        assert one_error_line(result) == "error: user S1 already exists"

    def test_conflicting_password_options_are_exit_2(self) -> None:
        result = attn("user", "add", "S1", "--name", "Ali", "--no-password",
                      "--password", "whatever-pass")  # fmt: skip
        assert result.exit_code == 2
        one_error_line(result)


class TestUserImport:
    def test_imports_a_file(self, tmp_path: Path, sqlite_url: str) -> None:
        csv_file = tmp_path / "users.csv"
        csv_file.write_text(
            "\ufeffuser_number,full_name,role,password\nS1,Ali Veli,student,student-pass\n"
            "T1,Ayşe Yılmaz,teacher,\n",
            encoding="utf-8",
        )
        result = attn("user", "import", str(csv_file))
        assert result.exit_code == 0, result.output
        assert result.stdout.strip() == (
            "imported 2 rows: 2 created, 0 updated, 0 skipped (read as utf-8)"
        )
        stored = users_in(sqlite_url)
        assert verify_password(stored["S1"][2], "student-pass")
        assert stored["T1"] == ("Ayşe Yılmaz", "teacher", None)

    def test_a_windows_1254_file_says_what_it_was_read_as(
        self, tmp_path: Path, sqlite_url: str
    ) -> None:
        csv_file = tmp_path / "users.csv"
        csv_file.write_bytes(  # Şükrü Gündoğdu, İlker Işık as Excel saves them in Turkish
            b"S1;\xde\xfckr\xfc G\xfcndo\xf0du;student\r\nS2;\xddlker I\xfe\xfdk;teacher\r\n"
        )
        result = attn("user", "import", str(csv_file))
        assert result.exit_code == 0, result.output
        assert result.stdout.strip() == (
            "imported 2 rows: 2 created, 0 updated, 0 skipped (read as cp1254)"
        )
        stored = users_in(sqlite_url)
        assert (stored["S1"][0], stored["S2"][0]) == ("Şükrü Gündoğdu", "İlker Işık")

    def test_from_stdin_with_on_existing(self, sqlite_url: str) -> None:
        assert attn("user", "add", "S1", "--name", "Old", "--no-password").exit_code == 0
        result = attn("user", "import", "-", "--on-existing", "update",
                      input="S1,New Name,teacher\nS2,Other,student\n")  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "1 created, 1 updated, 0 skipped" in result.stdout
        assert users_in(sqlite_url)["S1"][:2] == ("New Name", "teacher")

    def test_a_bad_file_is_one_line_with_line_numbers_and_nothing_imported(
        self, tmp_path: Path, sqlite_url: str
    ) -> None:
        csv_file = tmp_path / "users.csv"
        csv_file.write_text("S1,Ali,student\nS2,Veli,student\nbad number,X,student\nS1,Y,admin\n")
        result = attn("user", "import", str(csv_file))
        assert result.exit_code == 1
        line = one_error_line(result)
        assert "line 3: user_number" in line
        assert "line 4: user S1 is also on line 1" in line
        assert users_in(sqlite_url) == {}

    def test_existing_users_are_errors_by_default(self, tmp_path: Path) -> None:
        assert attn("user", "add", "S1", "--name", "Old", "--no-password").exit_code == 0
        csv_file = tmp_path / "users.csv"
        csv_file.write_text("S1,Ali,student\n")
        result = attn("user", "import", str(csv_file))
        assert result.exit_code == 1
        assert "line 1: user S1 already exists" in one_error_line(result)

    def test_a_missing_file(self, tmp_path: Path) -> None:
        result = attn("user", "import", str(tmp_path / "nope.csv"))
        assert result.exit_code == 1
        assert "cannot read" in one_error_line(result)


class TestUserList:
    def test_lists_tab_separated_with_role_filter_and_paging(self) -> None:
        for number, role in (("S1", "student"), ("S2", "student"), ("T1", "teacher")):
            attn("user", "add", number, "--name", f"Name {number}", "--role", role, "--no-password")
        result = attn("user", "list")
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines() == [
            "S1\tstudent\tName S1\tno",
            "S2\tstudent\tName S2\tno",
            "T1\tteacher\tName T1\tno",
        ]
        assert result.stderr.strip() == "1-3 of 3 users"
        teachers = attn("user", "list", "--role", "teacher")
        assert teachers.stdout.splitlines() == ["T1\tteacher\tName T1\tno"]
        page = attn("user", "list", "--limit", "1", "--offset", "1")
        assert page.stdout.splitlines() == ["S2\tstudent\tName S2\tno"]
        assert page.stderr.strip() == "2-2 of 3 users"


class TestDemo:
    def test_seeds_on_the_embedded_defaults_and_is_idempotent(self, tmp_path: Path) -> None:
        data_dir = tmp_path / "data"
        env = clean_env(data_dir)
        first = run_attn("demo", env=env)
        assert first.returncode == 0, first.stderr
        assert "demo-teacher / demo-teacher-pass" in first.stdout
        assert "32 created" in first.stdout
        assert not (data_dir / "redis" / "server.json").exists(), "embedded redis left running"
        second = run_attn("demo", env=env)
        assert second.returncode == 0, second.stderr
        assert "0 created, 32 reset" in second.stdout
        stored = users_in(f"sqlite:///{data_dir / 'attn.sqlite3'}")
        roles = sorted(role for _, role, _ in stored.values())
        assert roles == ["admin"] + ["student"] * 30 + ["teacher"]
        assert verify_password(stored["demo-teacher"][2], "demo-teacher-pass")
        assert verify_password(stored["demo-admin"][2], "demo-admin-pass")
        assert verify_password(stored["demo-s17"][2], "demo-student-pass")
        assert "course   DEMO101 Veri Yapıları, taught by demo-teacher" in second.stdout
        listed = run_attn("course", "roster", "list", "DEMO101", env=env)
        assert listed.returncode == 0, listed.stderr
        numbers = [line.split("\t")[0] for line in listed.stdout.splitlines()]
        assert numbers == [f"demo-s{n:02d}" for n in range(1, 29)], "demo-s29, s30: walk-ins"
        with closing(sqlite3.connect(data_dir / "attn.sqlite3")) as db:
            (stays,) = db.execute("SELECT count(*) FROM enrolments").fetchone()
            (teacher,) = db.execute("SELECT teacher_number FROM course_teachers").fetchone()
        assert (stays, teacher) == (28, "demo-teacher"), "a second run enrols nobody twice"

    def test_says_only_its_answer_and_the_address_to_open(self, tmp_path: Path) -> None:
        """At ATTN_LOG_LEVEL=INFO the embedded Redis and Alembic log at INFO: that is for
        ``--verbose``; a command's normal output is its answer."""
        env = clean_env(tmp_path / "data", ATTN_LOG_LEVEL="INFO")
        done = run_attn("demo", "--port", "8123", env=env)
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        assert done.stdout.splitlines()[-1] == (
            "open http://127.0.0.1:8123/ and log in as the teacher"
        )
        assert "scan" not in done.stdout, "a QR code of a loopback address helps no phone"
        verbose = run_attn("--verbose", "demo", env=env)
        assert verbose.returncode == 0, verbose.stderr
        assert "INFO attn.embedded" in verbose.stderr
        assert "INFO alembic" in verbose.stderr

    def test_beyond_loopback_prints_a_qr_code_of_the_address(self, tmp_path: Path) -> None:
        env = clean_env(tmp_path / "data", ATTN_PUBLIC_BASE_URL="http://192.0.2.50:8000")
        done = run_attn("demo", "--host", "0.0.0.0", env=env)  # noqa: S104
        assert done.returncode == 0, done.stderr
        assert "open http://192.0.2.50:8000/ and log in as the teacher" in done.stdout
        assert "scan this with a phone" in done.stdout
        qr_rows = [line for line in done.stdout.splitlines() if set(line) <= set("█▀▄ ")]
        assert len(qr_rows) > 10, done.stdout
        assert "ATTN_PUBLIC_BASE_URL=" not in done.stdout, "already set: nothing to tell"

    def test_every_address_names_this_machine_and_the_setting_phones_need(
        self, tmp_path: Path
    ) -> None:
        done = run_attn("demo", "--host", "0.0.0.0", env=clean_env(tmp_path / "data"))  # noqa: S104
        assert done.returncode == 0, done.stderr
        (opened,) = [line for line in done.stdout.splitlines() if line.startswith("open ")]
        url = opened.split()[1]
        if url.startswith("http://127.0.0.1:"):
            pytest.skip("this machine has no network address besides loopback")
        assert url.endswith(":8000/")
        assert f"ATTN_PUBLIC_BASE_URL={url.rstrip('/')} scripts/serve" in done.stdout

    def test_refuses_production_with_exit_2(self, tmp_path: Path) -> None:
        env = clean_env(
            tmp_path,
            ATTN_ENVIRONMENT="production",
            ATTN_SECRET_KEY="a-real-production-secret-key-0123456789",
            ATTN_REDIS_URL="redis://127.0.0.1:9/0",
            ATTN_DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
            ATTN_PUBLIC_BASE_URL="https://attn.example.edu",
        )
        done = run_attn("demo", env=env)
        assert done.returncode == 2
        assert done.stderr.strip().splitlines() == [
            "error: attn demo refuses to run in production (ATTN_ENVIRONMENT=production)"
        ]
        assert not (tmp_path / "prod.sqlite3").exists()


class TestHelp:
    @pytest.mark.parametrize("command", [["persist"], ["user", "add"], ["demo"], []])
    def test_flags_show_no_value_placeholder(self, command: list[str]) -> None:
        """A flag takes no value: ``--once <bool>`` would tell the user to type one."""
        done = attn(*command, "--help")
        assert done.exit_code == 0, done.output
        assert "--help" in done.output
        assert "<bool>" not in done.output

    @pytest.mark.parametrize(
        ("command", "shown"),
        [
            (["persist"], "--retry ATTENDANCE_ID"),
            (["serve"], "--host ADDRESS"),
            (["user", "add"], "--name NAME"),
            (["course", "add"], "--term TERM"),
        ],
    )
    def test_an_option_names_what_it_takes(self, command: list[str], shown: str) -> None:
        """``--retry <str>`` says a type; the option's help says what to give."""
        done = attn(*command, "--help")
        assert shown in done.output
        assert " <str>" not in done.output.split("Options:", 1)[1]
