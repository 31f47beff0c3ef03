"""The start-up warnings and notes of ``attn serve``, for each combination of settings."""

from __future__ import annotations

import logging

import pytest

from attn.config import Settings
from attn.startup_checks import Notice, is_loopback, serve_notices

EVERY_ADDRESS = "0.0.0.0"  # noqa: S104 - the case under test: listening everywhere


def warnings(settings: Settings, host: str) -> list[str]:
    return [n.message for n in serve_notices(settings, host) if n.level == logging.WARNING]


def notes(settings: Settings, host: str) -> list[str]:
    return [n.message for n in serve_notices(settings, host) if n.level == logging.INFO]


class TestLoopbackPublicUrl:
    @pytest.mark.parametrize("host", [EVERY_ADDRESS, "::", "192.0.2.10", "attn.example.edu"])
    def test_warned_when_listening_beyond_loopback(self, host: str) -> None:
        (warning,) = warnings(Settings(), host)
        assert warning.startswith("ATTN_PUBLIC_BASE_URL is http://127.0.0.1:8000, a loopback")
        assert f"listens on {host}" in warning
        assert "\n" not in warning

    @pytest.mark.parametrize(
        "url", ["http://localhost:8000", "http://[::1]:8000/", "http://127.1.2.3"]
    )
    def test_every_loopback_form_counts(self, url: str) -> None:
        assert warnings(Settings(public_base_url=url), EVERY_ADDRESS)

    @pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "[::1]"])
    def test_silent_when_listening_on_loopback_only(self, host: str) -> None:
        assert warnings(Settings(), host) == []

    def test_silent_when_the_public_url_is_reachable(self) -> None:
        settings = Settings(public_base_url="http://192.0.2.10:8000")
        assert warnings(settings, EVERY_ADDRESS) == []


class TestNoAntiProxyCheck:
    def test_noted_when_the_operator_turned_every_check_off(self) -> None:
        (note,) = notes(Settings(default_checks=[]), "127.0.0.1")
        assert note.startswith("note: no anti-proxy check is on by default")
        assert "ATTN_DEFAULT_CHECKS" in note

    def test_silent_on_the_shipped_default_the_rotating_code(self) -> None:
        assert Settings().default_checks == ["code"]
        assert notes(Settings(), "127.0.0.1") == []


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("LOCALHOST", True),
        ("app.localhost", True),
        (EVERY_ADDRESS, False),
        ("::", False),
        ("10.0.0.5", False),
        ("localhost.example.edu", False),
        ("", False),
    ],
)
def test_is_loopback(host: str, expected: bool) -> None:
    assert is_loopback(host) is expected


def test_a_notice_is_one_line() -> None:
    for notice in serve_notices(Settings(), EVERY_ADDRESS):
        assert isinstance(notice, Notice)
        assert len(notice.message.splitlines()) == 1
