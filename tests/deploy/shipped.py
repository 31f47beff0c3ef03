"""The files ``deploy/`` ships, read as the tools that use them read them: the environment
file as systemd's ``EnvironmentFile=``, a unit's ``ExecStart=`` as the command it runs, and
nginx's site file rendered for a test (loopback ports, a test certificate) by replacements
that must each find their text, so the file the tests run is the file the docs quote."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
ENV_FILE = DEPLOY / "attn.env"
SERVE_UNIT = DEPLOY / "systemd" / "attn-serve@.service"
WORKER_UNIT = DEPLOY / "systemd" / "attn-worker.service"
NGINX_SITE = DEPLOY / "nginx" / "attn.conf"
ATTN_BINARY = "/opt/attn/venv/bin/attn"
UPSTREAM_PORTS = (8001, 8002)
"""The two ``attn serve`` ports the shipped nginx site names."""


def environment_file(path: Path = ENV_FILE) -> dict[str, str]:
    """``KEY=VALUE`` lines as systemd reads them: comments and blank lines skipped, a value
    wholly in single or double quotes taken without them (the subset the file uses)."""
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}:{number}: not KEY=VALUE"
        assert key.strip().isidentifier(), f"{path.name}:{number}: {key!r} is no name"
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def exec_start(unit: Path, instance: str = "") -> list[str]:
    """The unit's ``ExecStart=`` command line, ``%i`` as ``instance``."""
    for line in unit.read_text(encoding="utf-8").splitlines():
        if line.startswith("ExecStart="):
            return shlex.split(line.removeprefix("ExecStart=").replace("%i", instance))
    raise AssertionError(f"{unit.name} has no ExecStart=")


def attn_arguments(unit: Path, instance: str = "") -> list[str]:
    """The ``attn`` arguments of the unit's command (what follows the installed binary)."""
    command = exec_start(unit, instance)
    assert command[0] == ATTN_BINARY, f"{unit.name} runs {command[0]}, not {ATTN_BINARY}"
    return command[1:]


@dataclass(frozen=True)
class NginxPorts:
    http: int
    https: int
    upstreams: tuple[int, int]


def nginx_site_for_test(
    ports: NginxPorts, certificate: Path, key: Path, webroot: Path, path: Path = NGINX_SITE
) -> str:
    """The shipped site on loopback ports with the test's certificate; each replaced text
    must occur, so a change to the shipped file fails here rather than go untested."""
    text = path.read_text(encoding="utf-8")
    replacements = [
        ("listen 80;", f"listen 127.0.0.1:{ports.http};"),
        ("listen [::]:80;\n", ""),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{ports.https} ssl http2;"),
        ("listen [::]:443 ssl http2;\n", ""),
        ("/etc/letsencrypt/live/attn.example.edu/fullchain.pem", str(certificate)),
        ("/etc/letsencrypt/live/attn.example.edu/privkey.pem", str(key)),
        ("root /var/www/html;", f"root {webroot};"),
    ]
    for shipped, port in zip(UPSTREAM_PORTS, ports.upstreams, strict=True):
        replacements.append((f"server 127.0.0.1:{shipped} ", f"server 127.0.0.1:{port} "))
    for old, new in replacements:
        assert old in text, f"{path.name} no longer contains {old!r}: update this rendering"
        text = text.replace(old, new)
    return text
