"""Running a module's app tests on SQLite and on PostgreSQL, both real."""

from __future__ import annotations

import pytest

from attn.config import Settings

BOTH_DATABASES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]
"""``@pytest.fixture(params=BOTH_DATABASES)`` on a module's ``app_settings`` override."""


def on_database(request: pytest.FixtureRequest, app_settings: Settings) -> Settings:
    """``app_settings`` on the database of ``request.param`` (the test PostgreSQL's own
    database from the ``postgres_url`` fixture, or the SQLite file it already has)."""
    if request.param == "sqlite":
        return app_settings
    postgres_url: str = request.getfixturevalue("postgres_url")
    return app_settings.model_copy(update={"database_url": postgres_url})
