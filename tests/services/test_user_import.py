"""CSV import: parsing with line numbers, then all-or-nothing writes on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from attn.config import Environment, Settings
from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.errors import Conflict, InvalidInput
from attn.models import Role
from attn.models.api_users import OnExisting
from attn.models.types import utcnow
from attn.services.accounts import user_import
from attn.services.accounts.csv_rows import Problem
from attn.services.accounts.passwords import verify_password
from tests.helpers.factories import make_user
from tests.helpers.outcomes import refused_as
from tests.helpers.sessions import newest_key


def config() -> Settings:
    return Settings(environment=Environment.TEST)


def lines_and_codes(problems: list[Problem]) -> list[tuple[int, str]]:
    return [(problem.line, problem.code) for problem in problems]


def rows_and_problems(
    data: bytes, *, max_rows: int | None = None
) -> tuple[list[user_import.ParsedRow], list[Problem]]:
    parsed = user_import.parse_csv(data, max_rows=max_rows)
    return parsed.rows, parsed.problems


class TestParse:
    def test_line_numbers_count_blank_lines_and_multiline_fields(self) -> None:
        data = b'S1,Ali,student\n\n"S2","Veli\nSecond Line",student\nS3,,student\n'
        rows, problems = rows_and_problems(data)
        assert [(row.line, row.user.user_number) for row in rows] == [(1, "S1"), (3, "S2")]
        assert rows[1].user.full_name == "Veli Second Line"  # whitespace collapsed
        assert lines_and_codes(problems) == [(5, "invalid_row")]

    def test_header_only_on_the_first_content_line(self) -> None:
        rows, problems = rows_and_problems(b"\n\nuser_number,full_name,role\nS1,A,admin\n")
        assert [row.line for row in rows] == [4]
        assert problems == []
        rows, problems = rows_and_problems(b"S1,A,admin\nuser_number,full_name,role\n")
        assert lines_and_codes(problems) == [(2, "invalid_row")]

    def test_values_are_trimmed_and_roles_case_folded_but_passwords_kept_verbatim(self) -> None:
        rows, problems = rows_and_problems(b" S1 , Ali  Veli ,STUDENT , pass word \n")
        assert problems == []
        user = rows[0].user
        assert (user.user_number, user.full_name, user.role) == ("S1", "Ali Veli", Role.STUDENT)
        assert user.password == " pass word "

    def test_an_empty_password_cell_means_none(self) -> None:
        rows = user_import.parse_csv(b"S1,Ali,student,\n").rows
        assert rows[0].user.password is None

    def test_the_row_limit(self) -> None:
        data = b"".join(b"S%d,Name,student\n" % index for index in range(4))
        rows, problems = rows_and_problems(data, max_rows=3)
        assert len(rows) == 3
        assert lines_and_codes(problems) == [(4, "too_many_rows")]

    def test_problems_never_echo_the_password(self) -> None:
        problems = user_import.parse_csv(b"S1,Ali,student,hunter2\n").problems
        assert lines_and_codes(problems) == [(1, "invalid_row")]
        assert "hunter2" not in problems[0].message
        assert "password" in problems[0].message

    def test_bytes_in_no_encoding_are_reported_on_the_line_where_utf8_stops(self) -> None:
        parsed = user_import.parse_csv(b"S1,Ali,student\nS2,B\x81\x00\x01\x02\x8d,student\n")
        assert (parsed.rows, parsed.encoding) == ([], None)
        assert lines_and_codes(parsed.problems) == [(2, "bad_encoding")]

    def test_windows_1254_is_read_and_named(self) -> None:
        parsed = user_import.parse_csv(b"S1;Ay\xfee Y\xfdlmaz;student\r\nS2;B\xe7;student\r\n")
        assert parsed.encoding == "cp1254"
        assert [row.user.full_name for row in parsed.rows] == ["Ayşe Yılmaz", "Bç"]

    @pytest.mark.parametrize(
        ("data", "encoding"),
        [
            (b"S1,Ali,student\n", "ascii"),
            ("S1,Ayşe,student\n".encode(), "utf-8"),
            ("\ufeffS1,Ayşe,student\n".encode(), "utf-8"),
        ],
    )
    def test_utf8_is_read_as_before(self, data: bytes, encoding: str) -> None:
        parsed = user_import.parse_csv(data)
        assert (parsed.encoding, parsed.problems) == (encoding, [])
        assert parsed.rows[0].user.user_number == "S1"


class TestImportRows:
    async def test_all_or_nothing_with_every_problem(
        self, session: AsyncSession, redis_client: RedisClient
    ) -> None:
        async with session.begin():
            await repository.create_user(
                session, user_number="S2", full_name="Taken", role=Role.STUDENT, at=utcnow()
            )
        data = b"S1,Ali,student\nS2,Veli,student\nS1,Again,student\nS4,X,nope\n"
        async with session.begin():
            with pytest.raises(InvalidInput) as rejected:
                await user_import.import_csv(
                    session, redis_client, config(), data, actor="A1", now=utcnow()
                )
        assert [(d["line"], d["code"]) for d in rejected.value.details] == [
            (2, "user_exists"),
            (3, "duplicate_in_file"),
            (4, "invalid_row"),
        ]
        async with session.begin():
            page = await repository.list_users(session)
            audit = await repository.list_audit(session)
        assert [user.user_number for user in page.items] == ["S2"]
        assert audit.total == 0

    async def test_creates_hashes_and_audits(
        self, session: AsyncSession, redis_client: RedisClient
    ) -> None:
        data = "S1,Ayşe Yılmaz,student,secret-one\nT1,Mehmet Öz,teacher\n".encode()
        async with session.begin():
            result = await user_import.import_csv(
                session, redis_client, config(), data, actor="A1", now=utcnow()
            )
        assert (result.created, result.updated, result.skipped) == (2, 0, 0)
        async with session.begin():
            student = await repository.get_user(session, "S1")
            teacher = await repository.get_user(session, "T1")
            audit = await repository.list_audit(session)
        assert student is not None
        assert teacher is not None
        assert verify_password(student.password_hash, "secret-one")
        assert teacher.password_hash is None
        (entry,) = audit.items
        assert (entry.actor, entry.action) == ("A1", "users_imported")
        assert entry.details["created_numbers"] == ["S1", "T1"]
        assert "secret-one" not in str(entry.details)

    async def test_update_ends_sessions_only_when_role_or_password_change(
        self, session: AsyncSession, redis_client: RedisClient
    ) -> None:
        async with session.begin():
            for number in ("S1", "S2", "S3"):
                await repository.create_user(
                    session, user_number=number, full_name="Old", role=Role.STUDENT, at=utcnow()
                )
        for number in ("S1", "S2", "S3"):
            await redis_client.save_user_session(make_user(user_number=number), 600)
        data = b"S1,Renamed Only,student\nS2,Promoted,teacher\nS3,New Password,student,new-pass1\n"
        async with session.begin():
            result = await user_import.import_csv(
                session,
                redis_client,
                config(),
                data,
                on_existing=OnExisting.UPDATE,
                actor="A1",
                now=utcnow(),
            )
        assert result.updated_numbers == ["S1", "S2", "S3"]
        remaining = [
            await redis_client.redis.exists(await newest_key(redis_client.redis, n))
            for n in ("S1", "S2", "S3")
        ]
        assert remaining == [1, 0, 0]
        async with session.begin():
            promoted = await repository.get_user(session, "S2")
        assert promoted is not None
        assert (promoted.full_name, promoted.role) == ("Promoted", Role.TEACHER)

    async def test_a_number_taken_after_the_check_rolls_the_whole_import_back(
        self, session: AsyncSession, redis_client: RedisClient
    ) -> None:
        """Rows checked as new can still meet a number created meanwhile by someone else:
        the bulk insert refuses it and the transaction (the request's) is rolled back."""
        rows = user_import.parse_csv(b"S1,Ali,student\nS2,Veli,student\n").rows
        new_rows = [
            repository.NewUserRow(
                user_number=row.user.user_number, full_name=row.user.full_name, role=row.user.role
            )
            for row in rows
        ]

        async def import_after_a_race() -> None:
            async with session.begin():
                await repository.create_user(
                    session, user_number="S2", full_name="Raced", role=Role.STUDENT, at=utcnow()
                )
                await repository.create_users(session, new_rows, at=utcnow())

        with refused_as(Conflict) as conflict:
            await import_after_a_race()
        assert conflict.value.details == {"user_numbers": ["S2"]}
        async with session.begin():
            assert (await repository.list_users(session)).total == 0
