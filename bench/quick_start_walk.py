"""The newcomer's walk, timed: git clone, the README's quick start (bootstrap, demo, serve),
then the teacher in Chromium starting a lesson and a phone checking in from its QR link.

Not a test (``tests/test_quick_start.py`` checks each step succeeds); this prints how long
each step took, for the README's "ten minutes" and docs/performance.md::

    .venv/bin/python -m bench.quick_start_walk [--port 8765]

It clones the committed HEAD of this repository into a temporary folder, so commit first.
"""

from __future__ import annotations

import argparse
import functools
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx
from tests.test_quick_start import ROOT, newcomer_env, quick_start_commands

CHROMIUM = "/usr/bin/chromium"
T = TypeVar("T")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8765, help="port for scripts/serve")
    port = parser.parse_args().port
    steps: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="attn-walk-") as folder:
        clone = Path(folder) / "attn"
        timed(steps, "git clone", lambda: run(["git", "clone", "-q", str(ROOT), str(clone)]))
        commands = quick_start_commands((clone / "README.md").read_text(encoding="utf-8"))
        server: subprocess.Popen[bytes] | None = None
        try:
            for command in commands:
                if command.startswith("scripts/serve"):
                    server = timed(steps, command, functools.partial(serve, clone, command, port))
                else:
                    shell = ["bash", "-c", command]
                    timed(steps, command, functools.partial(run, shell, cwd=clone))
            timed(
                steps,
                "browser: teacher starts a lesson, a phone checks in",
                lambda: teacher(port),
            )
        finally:
            if server is not None:
                server.send_signal(signal.SIGINT)
                server.wait(timeout=60)
    for name, seconds in steps:
        print(f"{seconds:7.1f} s  {name}")
    print(f"{sum(s for _, s in steps):7.1f} s  in all")


def timed(steps: list[tuple[str, float]], name: str, step: Callable[[], T]) -> T:
    began = time.monotonic()
    result = step()
    steps.append((name, time.monotonic() - began))
    return result


def run(argv: list[str], cwd: Path | None = None) -> None:
    subprocess.run(argv, cwd=cwd, env=newcomer_env(), stdin=subprocess.DEVNULL, check=True)


def serve(clone: Path, command: str, port: int) -> subprocess.Popen[bytes]:
    """``scripts/serve --port port`` until ``/ready`` answers."""
    process = subprocess.Popen(
        ["bash", "-c", f"exec {command} --port {port}"],
        cwd=clone,
        env=newcomer_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while True:
        if process.poll() is not None:
            sys.exit(f"{command} exited with {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)


def teacher(port: int) -> None:
    """The demo teacher in a desktop Chromium logs in, starts a lesson and projects it; a
    student on a phone opens the QR code's link, logs in and checks in."""
    from playwright.sync_api import expect, sync_playwright

    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=args)
        page = browser.new_page(locale="en-GB")
        page.goto(f"http://127.0.0.1:{port}/")
        page.get_by_role("link", name="Log in").click()
        page.get_by_label("School number").fill("demo-teacher")
        page.get_by_label("Password", exact=True).fill("demo-teacher-pass")
        page.get_by_role("button", name="Log in").click()
        page.locator("#lesson_name").fill("Veri Yapıları")
        page.get_by_role("button", name="Start and open the projector").click()
        expect(page.get_by_role("link", name="Live list")).to_be_visible()  # the projector
        attendance_id = page.url.rstrip("/").split("/")[-2]
        code = page.locator("#code").inner_text()
        phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
        student = phone.new_page()  # the link the QR code holds
        student.goto(f"http://127.0.0.1:{port}/check-in/{attendance_id}?code={code}")
        student.get_by_label("School number").fill("demo-s01")
        student.get_by_label("Password").fill("demo-student-pass")
        student.get_by_role("button", name="Log in").click()
        student.get_by_role("button", name="Check in", exact=True).click()
        expect(student.get_by_role("status")).to_have_text("You are checked in: present.")
        browser.close()


if __name__ == "__main__":
    main()
