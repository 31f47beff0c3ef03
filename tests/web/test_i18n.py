"""The pages' language and local times."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from attn.web import i18n

ISTANBUL = ZoneInfo("Europe/Istanbul")


@pytest.fixture
def in_turkish() -> Iterator[None]:
    i18n.use(i18n.PageLocale("tr", ISTANBUL))
    yield
    i18n.use(i18n.PageLocale("en", ZoneInfo("UTC")))


@pytest.mark.parametrize(
    ("cookie", "header", "chosen"),
    [
        (None, None, "en"),
        (None, "tr-TR,tr;q=0.9,en-US;q=0.8", "tr"),
        (None, "en-US,en;q=0.9,tr;q=0.8", "en"),
        (None, "de-DE, tr;q=0.5, en;q=0.4", "tr"),
        (None, "en;q=0.2, tr;q=0.7", "tr"),
        (None, "tr;q=0, en", "en"),
        (None, "fr, de", "en"),
        (None, "tr;q=abc, en;q=0.5", "en"),
        ("tr", "en", "tr"),
        ("xx", "tr", "tr"),
    ],
)
def test_the_language_is_the_choice_then_the_browsers(
    cookie: str | None, header: str | None, chosen: str
) -> None:
    assert i18n.choose_language(cookie, header) == chosen


def test_times_are_local_to_the_installation_in_the_pages_language(in_turkish: None) -> None:
    moment = datetime(2026, 12, 2, 6, 5, tzinfo=UTC)  # 09:05 in Istanbul (UTC+3)
    assert i18n.format_time(moment) == "09:05"
    assert i18n.format_date(moment) == "2 Ara 2026"
    assert "09:05" in i18n.format_datetime(moment)
    assert i18n.format_datetime(None) == ""


def test_a_date_near_midnight_is_the_local_day(in_turkish: None) -> None:
    late = datetime(2026, 12, 1, 22, 30, tzinfo=UTC)  # already 2 December in Istanbul
    assert i18n.format_date(late, "short") == "2.12.2026"


def test_english_formats_too() -> None:
    i18n.use(i18n.PageLocale("en", ISTANBUL))
    try:
        moment = datetime(2026, 12, 2, 13, 5, tzinfo=UTC)
        assert i18n.format_time(moment) == "4:05\u202fPM"
        assert i18n.format_date(moment) == "Dec 2, 2026"
    finally:
        i18n.use(i18n.PageLocale("en", ZoneInfo("UTC")))
