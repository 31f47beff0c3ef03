"""Admin account endpoints: create, CSV import (all or nothing), list; roles and validation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from attn.db.sql import repository
from attn.models import Role
from attn.runtime import Runtime
from tests.fixtures.app import Account, MakeUser, error_code
from tests.helpers.sessions import newest_key

USERS = "/api/v1/users"
IMPORT = "/api/v1/users/import"
LOGIN = "/api/v1/auth/login"


@pytest.fixture
async def admin(make_user: MakeUser) -> Account:
    return await make_user(Role.ADMIN, number="A0001")


async def user_numbers(runtime: Runtime) -> list[str]:
    async with runtime.sessionmaker() as session:
        page = await repository.list_users(session, limit=10_000)
    return [user.user_number for user in page.items]


async def can_log_in(api: httpx.AsyncClient, number: str, password: str) -> bool:
    response = await api.post(LOGIN, json={"user_number": number, "password": password})
    return response.status_code == 200


def csv_post(api: httpx.AsyncClient, admin: Account, text: str | bytes, **params: str) -> Any:
    content = text.encode() if isinstance(text, str) else text
    headers = {**admin.headers, "Content-Type": "text/csv"}
    return api.post(IMPORT, content=content, headers=headers, params=params)


class TestCreateUser:
    async def test_admin_creates_a_user_who_can_then_log_in(
        self, api: httpx.AsyncClient, runtime: Runtime, admin: Account
    ) -> None:
        body = {
            "user_number": "S2001",
            "full_name": "  Ayşe   Yılmaz ",
            "role": "student",
            "password": "eight ch",
        }
        response = await api.post(USERS, json=body, headers=admin.headers)
        assert response.status_code == 201, response.text
        created = response.json()
        assert {k: created[k] for k in ("user_number", "full_name", "role", "has_password")} == {
            "user_number": "S2001",
            "full_name": "Ayşe Yılmaz",
            "role": "student",
            "has_password": True,
        }
        assert "password_hash" not in created
        assert "password" not in created
        assert await can_log_in(api, "S2001", "eight ch")
        async with runtime.sessionmaker() as session:
            audit = await repository.list_audit(session)
        assert [(e.actor, e.action, e.details["user_number"]) for e in audit.items] == [
            ("A0001", "user_created", "S2001")
        ]

    async def test_without_a_password_the_account_cannot_log_in(
        self, api: httpx.AsyncClient, admin: Account
    ) -> None:
        body = {"user_number": "S2002", "full_name": "Ali Veli", "role": "student"}
        response = await api.post(USERS, json=body, headers=admin.headers)
        assert response.status_code == 201
        assert response.json()["has_password"] is False
        assert not await can_log_in(api, "S2002", "")
        assert not await can_log_in(api, "S2002", "anything at all")

    async def test_a_taken_number_is_409(self, api: httpx.AsyncClient, admin: Account) -> None:
        body = {"user_number": "A0001", "full_name": "Someone Else", "role": "teacher"}
        response = await api.post(USERS, json=body, headers=admin.headers)
        assert response.status_code == 409
        assert error_code(response) == "user_exists"

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"full_name": ""}, "full_name"),
            ({"full_name": "   "}, "full_name"),
            ({"full_name": "x" * 201}, "full_name"),
            ({"full_name": "x" * 5000}, "full_name"),
            ({"full_name": "Ali\u0000Veli"}, "full_name"),
            ({"full_name": 42}, "full_name"),
            ({"user_number": ""}, "user_number"),
            ({"user_number": "S 2001"}, "user_number"),
            ({"user_number": "S" * 33}, "user_number"),
            ({"user_number": "Ş2001"}, "user_number"),
            ({"user_number": "{S1}"}, "user_number"),
            ({"user_number": 2001}, "user_number"),
            ({"role": "wizard"}, "role"),
            ({"role": "Student"}, "role"),
            ({"role": None}, "role"),
            ({"password": "seven c"}, "password"),
            ({"password": "x" * 257}, "password"),
            ({"password": 12345678}, "password"),
            ({"is_admin": True}, "is_admin"),
        ],
    )
    async def test_bad_input_is_422_with_the_envelope_and_creates_nothing(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        admin: Account,
        change: dict[str, Any],
        field: str,
    ) -> None:
        body = {"user_number": "S3000", "full_name": "Ali Veli", "role": "student", **change}
        response = await api.post(USERS, json=body, headers=admin.headers)
        assert response.status_code == 422, response.text
        assert error_code(response) == "invalid_input"
        details = response.json()["error"]["details"]
        assert any(detail["loc"][-1] == field for detail in details), details
        assert await user_numbers(runtime) == ["A0001"]

    async def test_the_longest_allowed_values_are_accepted(
        self, api: httpx.AsyncClient, admin: Account
    ) -> None:
        body = {
            "user_number": "a.B_c-" + "9" * 26,
            "full_name": "Ş" * 200,
            "role": "teacher",
            "password": "p" * 256,
        }
        response = await api.post(USERS, json=body, headers=admin.headers)
        assert response.status_code == 201, response.text

    async def test_malformed_json_is_422(self, api: httpx.AsyncClient, admin: Account) -> None:
        headers = {**admin.headers, "Content-Type": "application/json"}
        response = await api.post(USERS, content=b'{"user_number": "S1",', headers=headers)
        assert response.status_code == 422
        assert error_code(response) == "invalid_input"


class TestRoles:
    @pytest.mark.parametrize("role", [Role.STUDENT, Role.TEACHER])
    @pytest.mark.parametrize(
        ("method", "path"), [("POST", USERS), ("POST", IMPORT), ("GET", USERS)]
    )
    async def test_only_admins(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        make_user: MakeUser,
        role: Role,
        method: str,
        path: str,
    ) -> None:
        account = await make_user(role)
        body = {"user_number": "S9", "full_name": "X", "role": "admin", "password": "p" * 8}
        response = await api.request(method, path, json=body, headers=account.headers)
        assert response.status_code == 403
        assert error_code(response) == "wrong_role"
        assert await user_numbers(runtime) == [account.user_number]

    @pytest.mark.parametrize(("method", "path"), [("POST", USERS), ("GET", USERS)])
    async def test_anonymous_is_401(self, api: httpx.AsyncClient, method: str, path: str) -> None:
        response = await api.request(method, path)
        assert response.status_code == 401
        assert error_code(response) == "unauthorized"


class TestListUsers:
    async def test_pages_and_role_filter(
        self, api: httpx.AsyncClient, admin: Account, make_user: MakeUser
    ) -> None:
        for index in range(5):
            await make_user(Role.STUDENT, number=f"S{index}", login=False)
        await make_user(Role.TEACHER, number="T1", login=False)
        page = await api.get(USERS, params={"limit": 2, "offset": 1}, headers=admin.headers)
        assert page.status_code == 200
        body = page.json()
        assert [user["user_number"] for user in body["items"]] == ["S0", "S1"]
        assert (body["total"], body["limit"], body["offset"]) == (7, 2, 1)
        assert set(body["items"][0]) == {
            "user_number",
            "full_name",
            "role",
            "has_password",
            "active",
            "deactivated_at",
            "created_at",
            "updated_at",
        }
        teachers = await api.get(USERS, params={"role": "teacher"}, headers=admin.headers)
        assert [user["user_number"] for user in teachers.json()["items"]] == ["T1"]
        assert teachers.json()["total"] == 1

    @pytest.mark.parametrize(
        "params", [{"limit": 0}, {"limit": 201}, {"offset": -1}, {"role": "wizard"}]
    )
    async def test_bad_query_is_422(
        self, api: httpx.AsyncClient, admin: Account, params: dict[str, Any]
    ) -> None:
        response = await api.get(USERS, params=params, headers=admin.headers)
        assert response.status_code == 422
        assert error_code(response) == "invalid_input"


class TestImport:
    async def test_csv_body_with_bom_and_header(
        self, api: httpx.AsyncClient, runtime: Runtime, admin: Account
    ) -> None:
        text = (
            "\ufeffuser_number,full_name,role,password\r\n"
            "S1,Ayşe Yılmaz,student,ayse-pass-1\r\n"
            "\r\n"
            'T1,"Yılmaz, Mehmet",Teacher,\r\n'
            "S2,İrem Şahin,student\r\n"
        )
        response = await csv_post(api, admin, text)
        assert response.status_code == 200, response.text
        assert response.json() == {
            "created": 3,
            "updated": 0,
            "skipped": 0,
            "created_numbers": ["S1", "T1", "S2"],
            "updated_numbers": [],
            "skipped_numbers": [],
            "encoding": "utf-8",
        }
        async with runtime.sessionmaker() as session:
            teacher = await repository.get_user(session, "T1")
        assert teacher is not None
        assert (teacher.full_name, teacher.role, teacher.password_hash) == (
            "Yılmaz, Mehmet",
            Role.TEACHER,
            None,
        )
        assert await can_log_in(api, "S1", "ayse-pass-1")

    async def test_multipart_file_upload(
        self, api: httpx.AsyncClient, runtime: Runtime, admin: Account
    ) -> None:
        files = {"file": ("users.csv", b"S1,Ali Veli,student\nS2,Veli Ali,student\n", "text/csv")}
        response = await api.post(IMPORT, files=files, headers=admin.headers)
        assert response.status_code == 200, response.text
        assert (response.json()["created"], response.json()["encoding"]) == (2, "ascii")
        assert await user_numbers(runtime) == ["A0001", "S1", "S2"]

    async def test_multipart_without_the_file_field_is_422(
        self, api: httpx.AsyncClient, admin: Account
    ) -> None:
        files = {"upload": ("users.csv", b"S1,Ali Veli,student\n", "text/csv")}
        response = await api.post(IMPORT, files=files, headers=admin.headers)
        assert response.status_code == 422
        assert error_code(response) == "no_file"

    async def test_every_bad_row_is_reported_by_line_and_nothing_is_imported(
        self, api: httpx.AsyncClient, runtime: Runtime, admin: Account
    ) -> None:
        text = "\n".join(
            [
                "user_number,full_name,role,password",  # 1
                "S1,Good Row,student,good-password",  # 2
                "bad number,Ali,student",  # 3
                "S3,,student",  # 4
                "S4,Veli,wizard",  # 5
                "S5,Too,many,columns,here",  # 6
                "S1,Again,student",  # 7
                "A0001,Existing Admin,admin",  # 8
                "S9,Short Password,student,short",  # 9
                "S10,Fine Too,teacher",  # 10
            ]
        )
        response = await csv_post(api, admin, text)
        assert response.status_code == 422
        assert error_code(response) == "invalid_csv"
        details = response.json()["error"]["details"]
        assert [(d["line"], d["code"]) for d in details] == [
            (3, "invalid_row"),
            (4, "invalid_row"),
            (5, "invalid_row"),
            (6, "wrong_column_count"),
            (7, "duplicate_in_file"),
            (8, "user_exists"),
            (9, "invalid_row"),
        ]
        assert "user_number" in details[0]["message"]
        assert "full_name" in details[1]["message"]
        assert "role" in details[2]["message"]
        assert "line 2" in details[4]["message"]
        assert "password" in details[6]["message"]
        assert "short" not in str(details)  # the rejected password is not echoed back
        message = response.json()["error"]["message"]
        assert message.startswith("CSV rejected, nothing imported (7 problem(s)): line 3:")
        assert await user_numbers(runtime) == ["A0001"]

    async def test_on_existing_skip(
        self, api: httpx.AsyncClient, runtime: Runtime, admin: Account, make_user: MakeUser
    ) -> None:
        await make_user(Role.STUDENT, number="S1", name="Old Name", login=False)
        response = await csv_post(
            api, admin, "S1,New Name,teacher\nS2,Other,student\n", on_existing="skip"
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["created"], body["updated"], body["skipped"]) == (1, 0, 1)
        assert body["skipped_numbers"] == ["S1"]
        async with runtime.sessionmaker() as session:
            kept = await repository.get_user(session, "S1")
        assert kept is not None
        assert (kept.full_name, kept.role) == ("Old Name", Role.STUDENT)

    async def test_on_existing_update_changes_the_account_and_ends_its_session(
        self, api: httpx.AsyncClient, runtime: Runtime, admin: Account, make_user: MakeUser
    ) -> None:
        old = await make_user(Role.TEACHER, number="T1", name="Old Name")
        response = await csv_post(
            api, admin, "T1,New Name,student,new-password\n", on_existing="update"
        )
        assert response.status_code == 200
        assert response.json()["updated_numbers"] == ["T1"]
        assert await runtime.redis.exists(await newest_key(runtime.redis, "T1")) == 0
        assert (await api.get("/api/v1/auth/me", headers=old.headers)).status_code == 401
        assert not await can_log_in(api, "T1", old.password)
        assert await can_log_in(api, "T1", "new-password")
        me = await api.post(LOGIN, json={"user_number": "T1", "password": "new-password"})
        assert me.json()["user"] == {
            "user_number": "T1",
            "full_name": "New Name",
            "role": "student",
        }

    async def test_update_without_a_password_keeps_the_old_one(
        self, api: httpx.AsyncClient, admin: Account, make_user: MakeUser
    ) -> None:
        old = await make_user(Role.STUDENT, number="S1", login=False)
        response = await csv_post(api, admin, "S1,Renamed,student\n", on_existing="update")
        assert response.status_code == 200
        assert await can_log_in(api, "S1", old.password)

    async def test_semicolon_separated_files(
        self, api: httpx.AsyncClient, runtime: Runtime, admin: Account
    ) -> None:
        response = await csv_post(api, admin, "user_number;full_name;role\nS1;Ali, Veli;student\n")
        assert response.status_code == 200, response.text
        async with runtime.sessionmaker() as session:
            user = await repository.get_user(session, "S1")
        assert user is not None
        assert user.full_name == "Ali, Veli"

    async def test_a_windows_1254_file_from_a_turkish_excel(
        self, api: httpx.AsyncClient, runtime: Runtime, admin: Account
    ) -> None:
        """Excel in a Turkish locale saves "CSV" as Windows-1254 with semicolons."""
        content = (
            b"user_number;full_name;role\r\n"
            b"S1;\xde\xfckr\xfc G\xfcndo\xf0du;student\r\n"
            b"S2;Ay\xfee Y\xfdlmaz;student\r\n"
            b"S3;\xc7i\xf0dem \xd6zt\xfcrk;teacher\r\n"
            b"S4;\xddlker I\xfe\xfdk;teacher\r\n"
        )
        response = await csv_post(api, admin, content)
        assert response.status_code == 200, response.text
        assert (response.json()["created"], response.json()["encoding"]) == (4, "cp1254")
        async with runtime.sessionmaker() as session:
            names = [(await repository.get_user(session, f"S{i}")) for i in range(1, 5)]
        assert [user.full_name for user in names if user is not None] == [
            "Şükrü Gündoğdu",
            "Ayşe Yılmaz",
            "Çiğdem Öztürk",
            "İlker Işık",
        ]

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (
                b"S1,Ali,student\nS2,Veli\x81\x00\x01\x02\x03\x8d,student\n",
                "line 2: not text in UTF-8 or any other known encoding (save the file as UTF-8)",
            ),
            (
                "S1,Ayşe,student\n".encode() + "S2,Işık,student\n".encode("cp1254"),
                "line 2: mixes UTF-8 with another encoding from this line on "
                "(save the file as UTF-8)",
            ),
        ],
        ids=["binary", "mixed"],
    )
    async def test_bytes_in_no_one_encoding_are_422_naming_the_problem(
        self, api: httpx.AsyncClient, runtime: Runtime, admin: Account, content: bytes, message: str
    ) -> None:
        response = await csv_post(api, admin, content)
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "invalid_csv"
        assert error["message"] == f"CSV rejected, nothing imported (1 problem(s)): {message}"
        assert [(d["line"], d["code"]) for d in error["details"]] == [(2, "bad_encoding")]
        assert await user_numbers(runtime) == ["A0001"]

    @pytest.mark.parametrize(
        ("content", "code", "line"),
        [
            (b"S1,Ali,student\nS2,\x00\x01\x02\x81\x8d\x8f,student\n", "bad_encoding", 2),
            (b"", "empty_file", 1),
            (b"\xef\xbb\xbfuser_number,full_name,role\n\n", "empty_file", 1),
            (b"user_number,name,role\nS1,Ali,student\n", "bad_header", 1),
            (b'S1,"Ali,student\n', "bad_csv", 1),
            (b"S1,Ali\x00,student\n", "invalid_row", 1),
        ],
        ids=["binary", "empty", "header-only", "bad-header", "open-quote", "nul"],
    )
    async def test_unreadable_files_are_422_with_the_line(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        admin: Account,
        content: bytes,
        code: str,
        line: int,
    ) -> None:
        response = await csv_post(api, admin, content)
        assert response.status_code == 422, response.text
        details = response.json()["error"]["details"]
        assert (details[0]["code"], details[0]["line"]) == (code, line)
        assert await user_numbers(runtime) == ["A0001"]

    async def test_too_many_rows_is_422(self, api: httpx.AsyncClient, admin: Account) -> None:
        text = "".join(f"S{index},Student {index},student\n" for index in range(5001))
        response = await csv_post(api, admin, text)
        assert response.status_code == 422
        assert response.json()["error"]["details"][-1]["code"] == "too_many_rows"
        assert response.json()["error"]["details"][-1]["line"] == 5001

    async def test_too_large_is_413(self, api: httpx.AsyncClient, admin: Account) -> None:
        response = await csv_post(api, admin, b"x" * (5 * 1024 * 1024 + 1))
        assert response.status_code == 413
        assert error_code(response) == "payload_too_large"

    async def test_other_media_types_are_415(self, api: httpx.AsyncClient, admin: Account) -> None:
        response = await api.post(IMPORT, json={"rows": []}, headers=admin.headers)
        assert response.status_code == 415
        assert error_code(response) == "unsupported_media_type"

    async def test_unknown_on_existing_is_422(self, api: httpx.AsyncClient, admin: Account) -> None:
        response = await csv_post(api, admin, "S1,Ali,student\n", on_existing="merge")
        assert response.status_code == 422
        assert error_code(response) == "invalid_input"


class TestOpenApi:
    @pytest.mark.parametrize(
        ("method", "path", "statuses"),
        [
            ("post", "/api/v1/auth/login", {"401", "422", "429"}),
            ("post", "/api/v1/auth/logout", {"401", "403"}),
            ("get", "/api/v1/auth/me", {"401"}),
            ("post", "/api/v1/users", {"401", "403", "409", "422"}),
            ("post", "/api/v1/users/import", {"401", "403", "413", "415", "422"}),
            ("get", "/api/v1/users", {"401", "403", "422"}),
            ("get", "/api/v1/users/{user_number}", {"401", "403", "404", "422"}),
            ("post", "/api/v1/users/{user_number}/deactivate", {"401", "403", "404", "409"}),
            ("post", "/api/v1/users/{user_number}/reactivate", {"401", "403", "404", "422"}),
            ("put", "/api/v1/users/{user_number}/password", {"401", "403", "404", "422"}),
            ("get", "/api/v1/audit", {"401", "403", "422"}),
        ],
    )
    async def test_every_endpoint_documents_its_errors_and_purpose(
        self, api: httpx.AsyncClient, method: str, path: str, statuses: set[str]
    ) -> None:
        schema = (await api.get("/openapi.json")).json()
        operation = schema["paths"][path][method]
        assert statuses <= set(operation["responses"])
        for status in statuses:
            content = operation["responses"][status]["content"]["application/json"]
            assert content["schema"]["$ref"].endswith("/ErrorEnvelope")
        assert operation["description"].strip()
        if path.endswith("/import"):
            assert set(operation["requestBody"]["content"]) == {"text/csv", "multipart/form-data"}
