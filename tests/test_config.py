"""Settings: environment variables with the ATTN_ prefix, validated at start-up."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from attn.config import Environment, Settings, async_database_url


class TestSettings:
    def test_reads_attn_prefixed_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ATTN_SESSION_TTL_TEACHER", "120")
        monkeypatch.setenv("ATTN_PERSIST_INTERVAL", "2.5")
        settings = Settings()
        assert settings.session_ttl("teacher") == 120
        assert settings.persist_interval == 2.5

    def test_role_ttls_default_to_the_design(self) -> None:
        settings = Settings()
        assert [settings.session_ttl(r) for r in ("student", "teacher", "admin")] == [
            600,
            3600,
            1800,
        ]

    def test_production_refuses_placeholder_secret(self) -> None:
        with pytest.raises(ValidationError, match="ATTN_SECRET_KEY"):
            Settings(
                environment=Environment.PRODUCTION,
                redis_url="redis://r",
                database_url="postgresql://d",
            )

    def test_production_refuses_embedded_servers(self) -> None:
        with pytest.raises(ValidationError, match="ATTN_REDIS_URL"):
            Settings(environment=Environment.PRODUCTION, secret_key="s" * 40)

    def test_trusted_proxies_must_be_networks(self) -> None:
        with pytest.raises(ValidationError, match="trusted_proxies"):
            Settings(trusted_proxies=["not-an-ip"])

    def test_embedded_sqlite_lives_in_the_data_dir(self, tmp_path: object) -> None:
        settings = Settings(data_dir="somewhere")
        assert settings.effective_database_url.endswith("/somewhere/attn.sqlite3")
        assert settings.effective_database_url.startswith("sqlite+aiosqlite:///")

    @pytest.mark.parametrize(
        ("given", "expected"),
        [
            ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
            ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
            ("sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
            ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
        ],
    )
    def test_plain_urls_get_async_drivers(self, given: str, expected: str) -> None:
        assert async_database_url(given) == expected
