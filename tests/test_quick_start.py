"""The README's quick start, run as a newcomer pastes it: on a fresh clone, from the
README's own text (between ``<!-- quick-start -->`` and ``<!-- /quick-start -->``), so the
two cannot drift apart.

Each command must succeed: the bootstrap and ``attn demo`` end with exit code 0,
``scripts/serve`` (which never returns) answers ``/ready`` and stops cleanly on Ctrl-C. The
set-up section's test command is not run from inside the suite (it is the suite); it must be
the command ``.ci/run`` runs. The bootstrap reuses pip's cache, so it costs CI a minute or
two; the durations are printed (``-s``), not asserted.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.helpers.processes import free_port, wait_ready

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
READY_TIMEOUT_S = 120

pytestmark = [pytest.mark.quickstart, pytest.mark.timeout(1200)]


def quick_start_commands(readme: str) -> list[str]:
    """The shell lines of the marked block, without their comments."""
    found = re.search(
        r"<!-- quick-start -->\s*```sh\n(.*?)```\s*<!-- /quick-start -->", readme, re.S
    )
    assert found, "README.md has no <!-- quick-start --> ... <!-- /quick-start --> sh block"
    lines = (line.split("  #", 1)[0].strip() for line in found.group(1).splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def newcomer_env() -> dict[str, str]:
    """This environment without ATTN settings: the quick start runs on the defaults."""
    return {k: v for k, v in os.environ.items() if not k.startswith("ATTN_")}


def test_the_block_is_bootstrap_demo_serve() -> None:
    """The walk the README promises: install, demo accounts, serve (in that order, so that
    pasting the block as a whole works: only the last command keeps running)."""
    commands = quick_start_commands(README.read_text(encoding="utf-8"))
    assert commands == ["scripts/bootstrap", ".venv/bin/attn demo", "scripts/serve"]


def test_the_readme_test_command_is_what_ci_runs() -> None:
    readme = README.read_text(encoding="utf-8")
    setup = readme.split("## Set up for development", 1)[1].split("\n## ", 1)[0]
    assert re.search(r"^scripts/test\s", setup, re.M), setup
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.rstrip().splitlines()[-1] == "exec scripts/test"


def test_on_a_fresh_clone_each_command_succeeds(tmp_path: Path) -> None:
    clone = tmp_path / "attn"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=300)
    env = newcomer_env()
    port = free_port()  # 8000 may be taken on a shared machine: the one change made
    for command in quick_start_commands((clone / "README.md").read_text(encoding="utf-8")):
        began = time.monotonic()
        if command.startswith("scripts/serve"):
            _serve_until_ready(clone, f"{command} --port {port}", env, port)
        else:
            done = subprocess.run(
                ["bash", "-c", command],
                cwd=clone,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
            assert done.returncode == 0, f"{command}: {done.stdout}\n{done.stderr}"
            if "attn demo" in command:
                assert "open http://127.0.0.1:8000/ and log in as the teacher" in done.stdout
                assert done.stderr == "", "a command's normal output is its answer only"
        print(f"quick start: {command}: {time.monotonic() - began:.1f} s")


def _serve_until_ready(clone: Path, command: str, env: dict[str, str], port: int) -> None:
    """``scripts/serve`` in the background until ``/ready`` answers, then Ctrl-C."""
    log = clone / "serve.log"
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            ["bash", "-c", f"exec {command}"],
            cwd=clone,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            ready = _wait_ready(f"http://127.0.0.1:{port}/ready", process, log)
            assert ready == {"status": "ok", "redis": "ok", "database": "ok"}
            page = httpx.get(f"http://127.0.0.1:{port}/login", timeout=10)
            assert page.status_code == 200
        finally:
            process.send_signal(signal.SIGINT)  # Ctrl-C, to attn serve (exec all the way)
            try:
                returncode = process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                raise
    assert returncode == 0, log.read_text(encoding="utf-8")
    assert f"ATTN listening on http://127.0.0.1:{port}" in log.read_text(encoding="utf-8")


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> object:
    return wait_ready(
        url, process, lambda: log.read_text(encoding="utf-8"), timeout_s=READY_TIMEOUT_S
    )
