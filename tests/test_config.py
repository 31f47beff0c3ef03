"""Settings: environment variables with the ATTN_ prefix, validated at start-up."""

from __future__ import annotations

from typing import Any

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

    @pytest.mark.parametrize("url", ["http://attn.example.edu", "http://127.0.0.1:8000", "x"])
    def test_production_refuses_a_public_base_url_that_is_not_https(self, url: str) -> None:
        """The login cookie is HTTPS-only in production: over http the browser drops it."""
        with pytest.raises(ValidationError, match="ATTN_PUBLIC_BASE_URL must be https://"):
            _production(public_base_url=url)

    @pytest.mark.parametrize("url", ["https://attn.example.edu", "HTTPS://attn.example.edu/x"])
    def test_production_takes_an_https_public_base_url(self, url: str) -> None:
        assert _production(public_base_url=url).public_base_url == url

    def test_development_takes_plain_http(self) -> None:
        assert Settings(public_base_url="http://192.0.2.1:8000").public_base_url.startswith("http:")

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


class TestPasswordSettings:
    def test_argon2_defaults_are_owasps(self) -> None:
        settings = Settings()
        assert (
            settings.password_memory_kib,
            settings.password_time_cost,
            settings.password_parallelism,
            settings.password_threads,
        ) == (19_456, 2, 1, None)

    def test_read_from_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ATTN_PASSWORD_MEMORY_KIB", "47104")
        monkeypatch.setenv("ATTN_PASSWORD_TIME_COST", "1")
        monkeypatch.setenv("ATTN_PASSWORD_PARALLELISM", "2")
        monkeypatch.setenv("ATTN_PASSWORD_THREADS", "4")
        settings = Settings()
        assert (settings.password_memory_kib, settings.password_time_cost) == (47_104, 1)
        assert (settings.password_parallelism, settings.password_threads) == (2, 4)

    @pytest.mark.parametrize(
        ("variable", "value", "message"),
        [
            ("ATTN_PASSWORD_MEMORY_KIB", "0", "password_memory_kib"),
            ("ATTN_PASSWORD_MEMORY_KIB", "-19456", "password_memory_kib"),
            ("ATTN_PASSWORD_MEMORY_KIB", "19 MiB", "password_memory_kib"),
            ("ATTN_PASSWORD_MEMORY_KIB", str(5 * 1024 * 1024), "password_memory_kib"),
            ("ATTN_PASSWORD_TIME_COST", "0", "password_time_cost"),
            ("ATTN_PASSWORD_TIME_COST", "1000", "password_time_cost"),
            ("ATTN_PASSWORD_PARALLELISM", "0", "password_parallelism"),
            ("ATTN_PASSWORD_PARALLELISM", "two", "password_parallelism"),
            ("ATTN_PASSWORD_THREADS", "0", "password_threads"),
        ],
    )
    def test_nonsense_is_refused_naming_the_setting(
        self, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
    ) -> None:
        monkeypatch.setenv(variable, value)
        with pytest.raises(ValidationError, match=message):
            Settings()

    def test_argon2_needs_8_kib_per_lane(self) -> None:
        with pytest.raises(ValidationError, match="at least 8 KiB per lane"):
            Settings(password_memory_kib=16, password_parallelism=4)

    def test_production_refuses_hashes_weaker_than_owasp(self) -> None:
        def production(memory_kib: int, passes: int) -> Settings:
            return Settings(
                environment=Environment.PRODUCTION,
                secret_key="s" * 40,
                redis_url="redis://r",
                database_url="postgresql://d",
                public_base_url="https://attn.example.edu",
                password_memory_kib=memory_kib,
                password_time_cost=passes,
            )

        with pytest.raises(ValidationError, match="below OWASP's minimum"):
            production(8192, 2)
        for memory_kib, passes in ((47_104, 1), (19_456, 2), (7_168, 5)):  # OWASP's choices
            assert production(memory_kib, passes).password_memory_kib == memory_kib


def _production(**overrides: Any) -> Settings:
    """Settings that production accepts, with ``overrides``."""
    values: dict[str, Any] = {
        "environment": Environment.PRODUCTION,
        "secret_key": "s" * 40,
        "redis_url": "redis://r",
        "database_url": "postgresql://d",
        "public_base_url": "https://attn.example.edu",
    }
    return Settings(**(values | overrides))
