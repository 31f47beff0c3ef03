"""Server memory under oversized bodies: four 50 MiB login requests to ``attn serve``.

Starts ``attn serve`` (embedded Redis and SQLite in a temporary folder), reads its VmRSS,
sends four logins with a 50 MiB body (honest Content-Length, one after another, as httpx
sends them), then reads VmRSS again and the peak (VmHWM) once they are answered. Two body
shapes, a fresh server each.

    python -m bench.body_memory
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

MIB_50 = 50 * 1024 * 1024
BODIES = {  # a well-formed login padded with whitespace (401), a 50 MiB user number (422)
    "padded": b'{"user_number": "S1", "password": "x"}' + b" " * MIB_50,
    "long-field": b'{"user_number": "' + b"a" * MIB_50 + b'", "password": "x"}',
}
REQUESTS = 4


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    """Resident memory now (``VmRSS``) or at its peak so far (``VmHWM``), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(base: str, deadline_s: float = 60) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("attn serve not ready")


def main() -> None:
    for name, body in BODIES.items():
        answers, seconds, before, after, peak = measure(body)
        print(f"{name}: answers {', '.join(answers)} in {seconds:.2f} s; VmRSS before ", end="")
        print(f"{before:.1f} MiB, after {after:.1f} MiB (+{after - before:.1f}), ", end="")
        print(f"peak (VmHWM) +{peak:.1f} MiB over start-up's")


def measure(body: bytes) -> tuple[list[str], float, float, float, float]:
    """A fresh server per body shape: answers, seconds, VmRSS before and after, and how
    far the peak (VmHWM) rose above start-up's, in MiB."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as data_dir:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ATTN_")}
        env.update(ATTN_DATA_DIR=data_dir, ATTN_LOG_LEVEL="WARNING", ATTN_PERSIST_ENABLED="0")
        server = subprocess.Popen(
            [sys.executable, "-m", "attn", "serve", "--port", str(port)],
            env=env,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_ready(base)
            before, peak_before = rss_mib(server.pid), rss_mib(server.pid, "VmHWM")
            answers: list[str] = []
            started = time.monotonic()
            for _ in range(REQUESTS):
                try:
                    response = httpx.post(
                        f"{base}/api/v1/auth/login",
                        content=body,
                        headers={"Content-Type": "application/json"},
                        timeout=60,
                    )
                    answers.append(str(response.status_code))
                except httpx.HTTPError as exc:  # the server may close before all is sent
                    answers.append(type(exc).__name__)
            seconds = time.monotonic() - started
            time.sleep(0.5)
            after = rss_mib(server.pid)
            peak = rss_mib(server.pid, "VmHWM") - peak_before
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
    return answers, seconds, before, after, peak


if __name__ == "__main__":
    main()
