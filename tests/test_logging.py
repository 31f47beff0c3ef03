"""No secret reaches the logs: the redaction rules, the filter, and a real login flow."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from attn.config import Settings
from attn.logging_setup import (
    REDACTED,
    UVICORN_LOGGERS,
    AccessLogMiddleware,
    RedactSecrets,
    configure_logging,
    redact,
    redact_record,
)
from attn.models import Role
from tests.fixtures.app import MakeUser

TOKEN = "S2001.Q2xhc3NBdHRlbmRhbmNlU2VjcmV0VG9rZW5WYWx1ZTE"
SECRET = TOKEN.split(".", 1)[1]


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """configure_logging changes process-wide state: put it back for the other tests."""
    names = ("", *UVICORN_LOGGERS)
    saved = {
        name: (
            logging.getLogger(name).level,
            list(logging.getLogger(name).handlers),
            list(logging.getLogger(name).filters),
        )
        for name in names
    }
    factory = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(factory)
    for name, (level, handlers, filters) in saved.items():
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.handlers[:] = handlers
        logger.filters[:] = filters


def record(msg: Any, *args: Any, name: str = "attn.test", exc: Any = None) -> logging.LogRecord:
    return logging.LogRecord(name, logging.INFO, __file__, 1, msg, args or None, exc)


class TestRedact:
    @pytest.mark.parametrize(
        ("text", "secret"),
        [
            (f"Authorization: Bearer {TOKEN}", SECRET),
            (f"authorization=bearer {TOKEN}", SECRET),
            (f"[('authorization', b'Bearer {TOKEN}')]", SECRET),
            ("('authorization', 'Basic dXNlcjpwYXNzd29yZA==')", "dXNlcjpwYXNzd29yZA"),
            ('{"user_number": "S1", "password": "correct horse battery"}', "correct horse"),
            ('{"password": "with \\"quotes\\" inside"}', "quotes"),
            ("LoginIn(user_number='S1', password='hunter2hunter2')", "hunter2"),
            ("user_number=S1&password=hunter2hunter2&x=1", "hunter2"),
            ("password: hunter2hunter2", "hunter2"),
            (f'{{"access_token": "{TOKEN}", "token_type": "bearer"}}', SECRET),
            (f"access_token={TOKEN}", SECRET),
            (f"token {TOKEN} was refused", SECRET),
            (f"cookie: attn_session={TOKEN}; attn_csrf=abcdef0123", SECRET),
            ("attn_csrf=abcdef0123456789", "abcdef0123456789"),
            ("X-CSRF-Token: abcdef0123456789", "abcdef0123456789"),
            ("POST /api/v1/attendances/x/check-in?code=482913 HTTP/1.1", "482913"),
            ('{"code": "482913", "device_id": "d1"}', "482913"),
            ("code=482913", "482913"),
        ],
    )
    def test_secrets_are_replaced(self, text: str, secret: str) -> None:
        clean = redact(text)
        assert secret not in clean
        assert REDACTED in clean
        assert redact(clean) == clean  # idempotent

    @pytest.mark.parametrize(
        "text",
        [
            "persisted 3 attendances in 0.25 s",
            "logger attn.services.accounts.auth started",
            "wrong user number or password, try again",
            "2026-01-31T09:00:00.000000Z S2001 checked in from 192.0.2.1",
            "token_type=bearer",
        ],
    )
    def test_ordinary_text_is_untouched(self, text: str) -> None:
        assert redact(text) == text

    def test_the_user_number_of_a_token_stays_readable(self) -> None:
        assert redact(f"token {TOKEN}") == f"token S2001.{REDACTED}"


class TestRecords:
    def test_a_secret_visible_only_once_formatted_is_caught(self) -> None:
        item = record("password=%s", "hunter2hunter2")
        redact_record(item)
        assert "hunter2" not in item.getMessage()
        assert item.getMessage() == f"password={REDACTED}"

    def test_a_secret_in_an_argument_keeps_the_records_structure(self) -> None:
        """uvicorn's access formatter unpacks ``args``: they must stay a 5-tuple."""
        item = record(
            '%s - "%s %s HTTP/%s" %d',
            "192.0.2.1:5000",
            "POST",
            "/api/v1/attendances/a/check-in?code=482913",
            "1.1",
            200,
            name="uvicorn.access",
        )
        redact_record(item)
        assert isinstance(item.args, tuple)
        assert len(item.args) == 5
        assert "482913" not in item.getMessage()

    def test_dict_arguments(self) -> None:
        item = record("login %(body)s", {"body": '{"password": "hunter2hunter2"}'})
        redact_record(item)
        assert "hunter2" not in item.getMessage()

    def test_objects_whose_text_holds_a_secret(self) -> None:
        item = record("body: %s", {"user_number": "S1", "password": "hunter2hunter2"})
        redact_record(item)
        assert "hunter2" not in item.getMessage()

    def test_tracebacks_are_redacted(self) -> None:
        try:
            raise ValueError(f"bad token {TOKEN}")
        except ValueError:
            import sys

            item = record("failed", exc=sys.exc_info())
        redact_record(item)
        text = logging.Formatter().format(item)
        assert "ValueError" in text
        assert SECRET not in text

    def test_a_broken_format_does_not_print_its_arguments_verbatim(self) -> None:
        item = record("%s %s", f"Bearer {TOKEN}")  # one argument short
        redact_record(item)
        assert SECRET not in item.getMessage()

    def test_the_filter_never_drops_a_record(self) -> None:
        assert RedactSecrets().filter(record("plain")) is True


class TestConfigureLogging:
    @pytest.mark.usefixtures("restore_logging")
    def test_filters_root_and_uvicorn_and_is_idempotent(self) -> None:
        settings = Settings(log_level="debug")
        configure_logging(settings)
        configure_logging(settings)
        root = logging.getLogger()
        assert root.level == logging.DEBUG
        ours = [h for h in root.handlers if getattr(h, "_attn_redacted", False)]
        assert len(ours) == 1
        for name in ("", *UVICORN_LOGGERS):
            filters = logging.getLogger(name).filters
            assert sum(isinstance(f, RedactSecrets) for f in filters) == 1

    @pytest.mark.usefixtures("restore_logging")
    def test_a_child_loggers_record_is_clean_in_any_handler(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Filters on the root *logger* do not see records propagating from children."""
        configure_logging(Settings())
        caplog.set_level(logging.DEBUG)
        logging.getLogger("some.library.deep").debug("sent Authorization: Bearer %s", TOKEN)
        assert caplog.records
        assert SECRET not in caplog.text

    @pytest.mark.usefixtures("restore_logging")
    async def test_a_login_me_logout_flow_leaks_neither_password_nor_token(
        self,
        app: FastAPI,
        app_settings: Settings,
        make_user: MakeUser,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        password = "Sup3r-secret passphrase"
        account = await make_user(Role.STUDENT, number="S2001", password=password, login=False)
        configure_logging(app_settings)
        caplog.set_level(logging.DEBUG)
        transport = httpx.ASGITransport(app=app, client=("192.0.2.7", 1))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
            body = {"user_number": account.user_number, "password": password}
            logging.getLogger("attn.api.debug").debug("login request body: %s", body)
            response = await api.post("/api/v1/auth/login", json=body)
            assert response.status_code == 200
            token = response.json()["access_token"]
            secret = token.rsplit(".", 1)[1]
            logging.getLogger("httpx").info(
                'HTTP Request: %s %s "%s"', "POST", response.request.url, response.text
            )
            headers = {"Authorization": f"Bearer {token}"}
            logging.getLogger("attn.api.debug").debug("headers: %s", headers)
            assert (await api.get("/api/v1/auth/me", headers=headers)).status_code == 200
            logging.getLogger("uvicorn.access").info(
                '%s - "%s %s HTTP/%s" %d',
                "192.0.2.7:1",
                "GET",
                f"/api/v1/auth/me?access_token={token}&code=482913",
                "1.1",
                200,
            )
            logging.getLogger("uvicorn.error").debug("cookie: %s", response.headers["set-cookie"])
            assert (await api.post("/api/v1/auth/logout", headers=headers)).status_code == 204

        messages = [item.getMessage() for item in caplog.records]
        everything = caplog.text + "\n".join(messages)
        assert password not in everything
        assert secret not in everything
        assert "482913" not in everything
        assert everything.count(REDACTED) >= 5  # the lines above were captured, redacted
        access = [m for m in messages if m.startswith("192.0.2.7 ")]
        assert len(access) == 3, access
        assert "POST /api/v1/auth/login 200" in access[0]
        assert access[0].endswith("user=-")
        assert "GET /api/v1/auth/me 200" in access[1]
        assert access[1].endswith(f"user={account.user_number}")
        assert "POST /api/v1/auth/logout 204" in access[2]


class TestAccessLog:
    async def test_method_path_status_duration_client_and_never_the_query(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        async def endpoint(request: Request) -> PlainTextResponse:
            request.state.user_number = "T1001"
            return PlainTextResponse("ok", status_code=201)

        inner = Starlette(routes=[Route("/x", endpoint, methods=["POST"])])
        transport = httpx.ASGITransport(app=AccessLogMiddleware(inner), client=("::1", 1))
        caplog.set_level(logging.INFO, logger="attn.access")
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await client.post("/x?code=482913", headers={"Authorization": f"Bearer {TOKEN}"})
        (line,) = [r.getMessage() for r in caplog.records if r.name == "attn.access"]
        parts = line.split()
        assert parts[:4] == ["::1", "POST", "/x", "201"]
        assert parts[4].endswith("ms")
        assert parts[5] == "user=T1001"
        assert "482913" not in line
        assert "Bearer" not in line

    async def test_a_crashing_app_is_logged_as_500(self, caplog: pytest.LogCaptureFixture) -> None:
        async def broken(scope: Any, receive: Any, send: Any) -> None:
            raise RuntimeError("boom")

        transport = httpx.ASGITransport(app=AccessLogMiddleware(broken))
        caplog.set_level(logging.INFO, logger="attn.access")
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            with pytest.raises(RuntimeError):
                await client.get("/y")
        assert " GET /y 500 " in caplog.records[-1].getMessage()
