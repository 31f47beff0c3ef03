"""``ATTN_TIME_ZONE``: the installation's IANA time zone, checked when settings load."""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from attn.cli import app
from attn.config import Settings, get_settings


@pytest.fixture(autouse=True)
def no_zone_in_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("ATTN_TIME_ZONE", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_defaults_to_istanbul() -> None:
    settings = Settings()
    assert settings.time_zone == "Europe/Istanbul"
    assert settings.zone == ZoneInfo("Europe/Istanbul")


def test_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATTN_TIME_ZONE", "UTC")
    assert Settings().zone == ZoneInfo("UTC")


@pytest.mark.parametrize("name", ["Mars/Olympus", "europe/istanbul", "", "../etc", "zone.tab"])
def test_an_unknown_zone_is_refused_naming_it(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv("ATTN_TIME_ZONE", name)
    with pytest.raises(ValidationError) as refused:
        Settings()
    [error] = refused.value.errors()
    assert error["loc"] == ("time_zone",)
    assert f"unknown time zone {name!r}" in error["msg"]
    assert "IANA" in error["msg"]


def test_the_cli_refuses_to_start_with_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATTN_TIME_ZONE", "Mars/Olympus")
    result = CliRunner().invoke(app, ["user", "list"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: invalid configuration (time_zone): Value error, unknown time zone "
        "'Mars/Olympus': use an IANA name such as Europe/Istanbul or UTC"
    )
