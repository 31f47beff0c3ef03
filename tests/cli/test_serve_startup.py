"""What ``attn serve`` and ``attn worker`` refuse, warn about and note as they start: real
processes, one line each."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.processes import attn_serve, clean_env, free_port, run_attn

LOOPBACK_WARNING = "ATTN_PUBLIC_BASE_URL is http://127.0.0.1:8000, a loopback address"
NO_CHECK_NOTE = "note: no anti-proxy check is on by default"

EVERY_ADDRESS = "0.0.0.0"  # noqa: S104 - the case under test: listening everywhere


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Everything production asks for, except what ``extra`` changes."""
    return clean_env(
        tmp_path / "data",
        ATTN_ENVIRONMENT="production",
        ATTN_SECRET_KEY="a-real-production-secret-key-0123456789",
        ATTN_REDIS_URL="redis://127.0.0.1:9/0",  # never reached: refused before
        ATTN_DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        **extra,
    )


class TestProductionOverPlainHttp:
    @pytest.mark.parametrize("command", ["serve", "worker", "migrate"])
    def test_refused_in_one_line_saying_what_to_set(self, tmp_path: Path, command: str) -> None:
        """The login cookie is HTTPS-only in production: over http every login would come
        back to the login form without a word."""
        env = production_env(tmp_path, ATTN_PUBLIC_BASE_URL="http://attn.example.edu")
        done = run_attn(command, env=env)
        assert done.returncode == 2
        assert done.stderr.strip().splitlines() == [
            "error: invalid configuration: ATTN_PUBLIC_BASE_URL must be https:// in "
            "production, not 'http://attn.example.edu': set it to the address students open"
        ]
        assert not (tmp_path / "prod.sqlite3").exists(), "started before refusing"

    def test_the_default_public_url_is_refused_too(self, tmp_path: Path) -> None:
        done = run_attn("serve", env=production_env(tmp_path))
        assert done.returncode == 2
        assert "ATTN_PUBLIC_BASE_URL must be https://" in done.stderr

    def test_https_passes_the_check(self, tmp_path: Path) -> None:
        """The same settings with https are taken: ``attn migrate`` (which needs only the
        database) runs."""
        env = production_env(tmp_path, ATTN_PUBLIC_BASE_URL="https://attn.example.edu")
        done = run_attn("migrate", env=env)
        assert done.returncode == 0, done.stderr
        assert "ATTN_PUBLIC_BASE_URL" not in done.stderr


class TestServeWarnings:
    def test_loopback_url_while_listening_everywhere_warns_and_notes(self, tmp_path: Path) -> None:
        """The note needs every check turned off: the shipped default is the code."""
        env = clean_env(tmp_path / "data", ATTN_LOG_LEVEL="INFO", ATTN_DEFAULT_CHECKS="[]")
        with attn_serve(env, host=EVERY_ADDRESS) as served:
            pass
        lines = served.stderr.splitlines()
        warned = [line for line in lines if LOOPBACK_WARNING in line]
        assert len(warned) == 1, served.stderr
        assert " WARNING attn.startup: " in warned[0]
        assert "listens on 0.0.0.0" in warned[0]
        noted = [line for line in lines if NO_CHECK_NOTE in line]
        assert len(noted) == 1, served.stderr
        assert " INFO attn.startup: " in noted[0]

    def test_silent_with_a_reachable_url_and_a_default_check(self, tmp_path: Path) -> None:
        port = free_port()
        env = clean_env(
            tmp_path / "data",
            ATTN_LOG_LEVEL="INFO",
            ATTN_PUBLIC_BASE_URL=f"http://192.0.2.10:{port}",
        )  # and ATTN_DEFAULT_CHECKS unset: the rotating code
        with attn_serve(env, host=EVERY_ADDRESS, port=port) as served:
            pass
        assert "attn.startup" not in served.stderr, served.stderr
        assert "ATTN listening on http://0.0.0.0" in served.stderr  # it did start, there

    def test_serve_on_loopback_does_not_warn(self, tmp_path: Path) -> None:
        with attn_serve(clean_env(tmp_path / "data")) as served:
            pass
        assert LOOPBACK_WARNING not in served.stderr, served.stderr
