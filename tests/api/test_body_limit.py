"""Request body limits through the ASGI app: every route class has one, enforced while
the body is read (an honest, a missing and a lying Content-Length alike)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx

from attn.api.checkin.body import MULTIPART_OVERHEAD_BYTES
from attn.api.users import MAX_IMPORT_BODY_BYTES, MAX_IMPORT_BYTES
from attn.api.verification import MAX_CALLBACK_BYTES
from attn.config import Settings
from attn.models import Role
from tests.fixtures.app import MakeUser, error_code

LOGIN = "/api/v1/auth/login"
IMPORT = "/api/v1/users/import"
CALLBACK = "/api/v1/verification/callback"
JSON_LIMIT = 64 * 1024  # the ATTN_MAX_JSON_BODY_BYTES default
JSON = {"Content-Type": "application/json"}


def too_large(response: httpx.Response, limit: int) -> None:
    assert response.status_code == 413, response.text
    assert error_code(response) == "payload_too_large"
    assert response.json()["error"]["details"] == {"max_bytes": limit}
    assert response.headers["connection"] == "close"


def padded_login(size: int) -> bytes:
    """A well-formed login body of exactly ``size`` bytes (valid JSON, absurd whitespace)."""
    body = b'{"user_number": "S1", "password": "x"}'
    return body + b" " * (size - len(body))


async def chunks(total: int, size: int = 16 * 1024) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b"a" * piece


class TestJsonRoutes:
    async def test_an_honest_content_length_over_the_limit_is_413_unread(
        self, api: httpx.AsyncClient
    ) -> None:
        response = await api.post(LOGIN, content=padded_login(JSON_LIMIT + 1), headers=JSON)
        too_large(response, JSON_LIMIT)

    async def test_a_chunked_body_is_cut_off_at_the_limit(self, api: httpx.AsyncClient) -> None:
        response = await api.post(
            LOGIN, content=chunks(10 * JSON_LIMIT), headers={"Content-Type": "application/json"}
        )
        too_large(response, JSON_LIMIT)

    async def test_a_lying_content_length_does_not_hide_a_long_body(
        self, api: httpx.AsyncClient
    ) -> None:
        response = await api.post(
            LOGIN,
            content=padded_login(2 * JSON_LIMIT),
            headers={"Content-Type": "application/json", "Content-Length": "100"},
        )
        too_large(response, JSON_LIMIT)

    async def test_a_body_within_the_limit_is_read_as_before(self, api: httpx.AsyncClient) -> None:
        response = await api.post(LOGIN, content=padded_login(JSON_LIMIT), headers=JSON)
        assert response.status_code == 401, response.text  # no such user: the body was parsed
        assert error_code(response) == "invalid_credentials"

    async def test_authenticated_json_routes_have_the_same_limit(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        teacher = await make_user(Role.TEACHER)
        response = await api.post(
            "/api/v1/attendances",
            content=b" " * (JSON_LIMIT + 1),
            headers={**teacher.headers, "Content-Type": "application/json"},
        )
        too_large(response, JSON_LIMIT)

    def test_the_limit_is_a_setting(self) -> None:
        assert Settings().max_json_body_bytes == JSON_LIMIT


class TestRoutesWithLimitsOfTheirOwn:
    async def test_csv_import_takes_more_than_json_up_to_its_limit(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        admin = await make_user(Role.ADMIN)
        headers = {**admin.headers, "Content-Type": "text/csv"}
        rows = b"".join(b"S%05d,Student %d,student\n" % (n, n) for n in range(4000))
        assert len(rows) > JSON_LIMIT
        response = await api.post(IMPORT, content=rows, headers=headers)
        assert response.status_code != 413, response.text
        response = await api.post(
            IMPORT, content=chunks(MAX_IMPORT_BODY_BYTES + 1), headers=headers
        )
        assert response.status_code == 413  # the route's reader stops at the CSV's own limit
        assert response.json()["error"]["details"] == {"max_bytes": MAX_IMPORT_BYTES}
        too_large(
            await api.post(IMPORT, content=b"x" * (MAX_IMPORT_BODY_BYTES + 1), headers=headers),
            MAX_IMPORT_BODY_BYTES,
        )

    async def test_csv_import_over_its_documented_size_is_413(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        admin = await make_user(Role.ADMIN)
        headers = {**admin.headers, "Content-Type": "text/csv"}
        response = await api.post(IMPORT, content=b"x" * (MAX_IMPORT_BYTES + 1), headers=headers)
        assert response.status_code == 413
        assert response.json()["error"]["details"] == {"max_bytes": MAX_IMPORT_BYTES}

    async def test_the_verification_callback_has_its_own_limit(
        self, api: httpx.AsyncClient
    ) -> None:
        response = await api.post(CALLBACK, content=chunks(MAX_CALLBACK_BYTES + 1))
        too_large(response, MAX_CALLBACK_BYTES)

    async def test_a_check_in_photo_form_may_be_larger_than_json(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        student = await make_user(Role.STUDENT)
        response = await api.post(
            f"/api/v1/attendances/{uuid.uuid4()}/check-in",
            headers=student.headers,
            files={"photo": ("me.jpg", b"\xff\xd8\xff" + b"a" * (4 * JSON_LIMIT), "image/jpeg")},
        )
        assert response.status_code != 413, response.text

    async def test_a_check_in_over_the_photo_limit_is_413(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        student = await make_user(Role.STUDENT)
        size = Settings().face_photo_max_bytes + MULTIPART_OVERHEAD_BYTES + 1
        response = await api.post(
            f"/api/v1/attendances/{uuid.uuid4()}/check-in",
            headers={**student.headers, "Content-Type": "application/json"},
            content=chunks(size),
        )
        assert response.status_code == 413
        assert error_code(response) == "payload_too_large"
