"""docs/deploy.md and deploy/ say the same, and name only what exists: each shipped file is
quoted in full where the guide installs it, every ``ATTN_`` setting they use is a field of
the settings class, every ``attn`` command line they show parses as the CLI's own, and the
environment file means the same to systemd and to the shell."""

from __future__ import annotations

import re
import shlex
import subprocess
from typing import Any

import pytest
import typer.main

from attn.cli import app
from attn.config import Settings
from tests.deploy import shipped

GUIDE = shipped.ROOT / "docs" / "deploy.md"
QUOTED = re.compile(r"<!-- file: (?P<path>\S+) -->\n```[a-z]*\n(?P<body>.*?)```\n", re.DOTALL)
SETTING = re.compile(r"\bATTN_[A-Z0-9_]*[A-Z0-9]\b")
COMMAND = re.compile(
    r"(?:\bsudo |/opt/attn/venv/bin/|`)attn ((?:serve|worker|migrate|user|persist|demo)\b"
    r"[^\n#`|;&]*)"
)
"""An ``attn`` command line in the guide: typed with sudo, run by a unit, or named in code."""


def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def shipped_files() -> set[str]:
    return {
        str(path.relative_to(shipped.ROOT)) for path in shipped.DEPLOY.rglob("*") if path.is_file()
    }


def test_every_shipped_file_is_quoted_in_full() -> None:
    quoted = {match["path"]: match["body"] for match in QUOTED.finditer(guide())}
    assert set(quoted) == shipped_files()
    for path, body in quoted.items():
        assert body == (shipped.ROOT / path).read_text(encoding="utf-8"), (
            f"docs/deploy.md quotes {path} other than it is"
        )


def test_every_setting_named_exists() -> None:
    known = {f"ATTN_{name.upper()}" for name in Settings.model_fields}
    texts = [guide()] + [(shipped.ROOT / path).read_text() for path in shipped_files()]
    named = {name for text in texts for name in SETTING.findall(text)}
    assert named, "the guide names its settings"
    assert named - known == set()


def _parses(arguments: list[str]) -> None:
    """``arguments`` as the ``attn`` CLI reads them (commands, options, their values), or
    the CLI's error. Typer's own click objects: only duck typing reaches them."""
    command: Any = typer.main.get_command(app)
    words = list(arguments)
    while hasattr(command, "commands"):
        assert words, "a command follows"
        name = words.pop(0)
        command = command.commands.get(name)
        assert command is not None, f"attn has no command {name!r}"
    if words:  # else the guide names the command without giving its arguments
        command.make_context(command.name, words)


@pytest.mark.parametrize(
    "line",
    sorted({m[1].strip() for m in COMMAND.finditer(guide()) if "…" not in m[1]}),
)
def test_every_command_shown_is_a_real_one(line: str) -> None:
    words = [word.replace("%i", "8001") for word in shlex.split(line)]
    try:
        _parses(words)
    except Exception as exc:  # typer's vendored click.UsageError
        pytest.fail(f"attn {line}: {type(exc).__name__}: {exc}")


def test_the_units_run_real_commands() -> None:
    _parses(shipped.attn_arguments(shipped.SERVE_UNIT, "8001"))
    _parses(shipped.attn_arguments(shipped.WORKER_UNIT))


def test_systemd_and_the_shell_read_the_environment_file_alike(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The ``attn`` script sources the file that systemd reads: the values must agree, and
    make valid settings."""
    script = f"set -a; . {shlex.quote(str(shipped.ENV_FILE))}; set +a; env -0"
    env = subprocess.run(
        ["sh", "-c", script], capture_output=True, check=True, env={}, timeout=10
    ).stdout.decode()
    from_shell = dict(entry.split("=", 1) for entry in env.split("\0") if entry.startswith("ATTN_"))
    assert from_shell == shipped.environment_file()
    for name, value in from_shell.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.trusted_proxies == ["127.0.0.1/32", "::1/128"]
