"""ATTN's command line as a user runs it: real processes with a clean environment."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

READY_TIMEOUT_S = 60


def clean_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """This environment without any ``ATTN_`` setting, plus ``data_dir`` and ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTN_")}
    env.update({"ATTN_DATA_DIR": str(data_dir), "ATTN_LOG_LEVEL": "WARNING", **extra})
    return env


def free_port() -> int:
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_attn(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "attn", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclass
class Served:
    """A running ``attn serve``; ``stderr`` and ``returncode`` are set once it stopped."""

    base_url: str
    ready: object
    stderr: str = ""
    returncode: int | None = None


@contextlib.contextmanager
def attn_serve(
    env: dict[str, str],
    stop: signal.Signals = signal.SIGINT,
    port: int | None = None,
    host: str | None = None,
    workers: int = 1,
) -> Iterator[Served]:
    """``attn serve`` on ``port`` (a free one by default), ready when entered, stopped with
    ``stop`` on exit. A caller picks the port when the settings must name it
    (``ATTN_PUBLIC_BASE_URL``, which the QR code links to), and ``host`` to listen on
    another address than serve's default (it is still reached at 127.0.0.1).

    Its log goes to a file, not a pipe: nobody reads a pipe while the server runs, and a
    long test filling it would block the server."""
    port = port or free_port()
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "attn", "serve", "--port", str(port)),
                *(("--host", host) if host else ()),
                *("--workers", str(workers)),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            text=True,
        )
        base_url = f"http://127.0.0.1:{port}"
        served = Served(base_url, ready=None)
        try:
            served.ready = _wait_ready(f"{base_url}/ready", process, log)
            yield served
        finally:
            process.send_signal(stop)
            try:
                served.returncode = process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()  # never leave a server behind, even one that hangs
                process.wait()
                raise
            log.seek(0)
            served.stderr = log.read()


def _wait_ready(url: str, process: subprocess.Popen[str], log: IO[str]) -> object:
    def output() -> str:
        log.seek(0)
        return log.read()

    return wait_ready(url, process, output, timeout_s=READY_TIMEOUT_S)


def wait_ready(
    url: str,
    process: subprocess.Popen[Any],
    output: Callable[[], str],
    *,
    timeout_s: float,
) -> object:
    """``url``'s JSON once it answers 200; the test fails with the server's ``output`` if
    the process exits first or ``timeout_s`` passes."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited early: {output()}")
        try:
            response = httpx.get(url, timeout=1)
        except httpx.HTTPError:
            time.sleep(0.2)
            continue
        if response.status_code == 200:
            return response.json()
        time.sleep(0.2)
    pytest.fail(f"{url} not ready within {timeout_s}s: {output()}")
