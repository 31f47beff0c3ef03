"""Real processes of a production install, started as the shipped files say: ``attn``
commands from the units' ``ExecStart=``, and Debian's nginx (not as a daemon) on the
shipped site file, in front of them with a self-signed certificate made here."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
import pytest

from tests.deploy.shipped import NginxPorts, nginx_site_for_test

NGINX = Path("/usr/sbin/nginx")
START_TIMEOUT_S = 60
NGINX_MAIN = """\
daemon off;
{user}
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {run}/access.log;
    client_body_temp_path {run}/client_body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    include {run}/attn.conf;
}}
"""


@dataclass
class Process:
    """A running process whose stderr goes to a file (a pipe nobody reads would block it);
    ``log`` is what it wrote, read once it stopped."""

    name: str
    popen: subprocess.Popen[str]
    log_file: IO[str]
    log: str = field(default="")

    def written(self) -> str:
        """What it wrote so far."""
        self.log_file.seek(0)
        return self.log_file.read()


@contextlib.contextmanager
def started(name: str, command: list[str], env: dict[str, str]) -> Iterator[Process]:
    """``command`` running until the block ends, then stopped with SIGTERM (systemd's stop)."""
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as log:
        popen = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, text=True
        )
        process = Process(name, popen, log)
        try:
            yield process
        finally:
            popen.send_signal(signal.SIGTERM)
            try:
                popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                popen.kill()  # never leave a process behind, even one that hangs
                popen.wait()
            process.log = process.written()


def attn_command(arguments: list[str]) -> list[str]:
    """The installed ``attn`` binary of a unit, as this interpreter's ``attn``."""
    return [sys.executable, "-m", "attn", *arguments]


def wait_until_ready(process: Process, url: str | None = None, line: str | None = None) -> None:
    """Until ``url`` (plain HTTP) answers 200, or ``line`` is logged."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            pytest.fail(f"{process.name} exited early: {process.written()}")
        if line is not None and line in process.written():
            return
        if url is not None:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url, timeout=1).status_code == 200:
                    return
        time.sleep(0.1)
    pytest.fail(f"{process.name} not ready within {START_TIMEOUT_S}s: {process.written()}")


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and its key), valid for a day, made with openssl."""
    certificate, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    return certificate, key


@contextlib.contextmanager
def nginx(folder: Path, ports: NginxPorts) -> Iterator[Process]:
    """nginx in the foreground on the shipped site, rendered for ``ports``, until the end."""
    run = folder / "nginx"
    run.mkdir()
    certificate, key = self_signed_certificate(run)
    challenges = run / "webroot" / ".well-known" / "acme-challenge"
    challenges.mkdir(parents=True)
    (challenges / "ready").write_text("ready", encoding="utf-8")
    site = nginx_site_for_test(ports, certificate, key, run / "webroot")
    (run / "attn.conf").write_text(site, encoding="utf-8")
    # As root, nginx's workers would run as nobody, who cannot enter the test's folders.
    user = "user root;" if os.geteuid() == 0 else ""
    main = run / "nginx.conf"
    main.write_text(NGINX_MAIN.format(user=user, run=run), encoding="utf-8")
    command = [str(NGINX), "-p", str(run), "-c", str(main), "-e", str(run / "error.log")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, f"nginx -t refused the shipped site: {checked.stderr}"
    with started("nginx", command, os.environ.copy()) as process:
        wait_until_ready(process, f"http://127.0.0.1:{ports.http}/.well-known/acme-challenge/ready")
        yield process
