"""Keeps the embedded Redis of ``attn serve`` running: a dead server is started again.

A thread of the serving process (the parent, so every uvicorn worker shares the one server)
looks every ``INTERVAL_S`` whether the server's process is alive and, if it died, starts it
again on the same socket from its append-only file; the clients' next command reconnects
(and is retried, see :func:`attn.db.redis_connection.command_retry`).
"""

from __future__ import annotations

import logging
import threading

from attn.embedded import EmbeddedRedis

log = logging.getLogger(__name__)

INTERVAL_S = 0.5


class EmbeddedRedisSupervisor:
    """Use as a context manager around the serving; stops with it."""

    def __init__(self, server: EmbeddedRedis, interval: float = INTERVAL_S) -> None:
        self._server = server
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="attn-embedded-redis-supervisor", daemon=True
        )

    def __enter__(self) -> EmbeddedRedisSupervisor:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._server.ensure_running()
            except Exception:  # a failed restart is tried again on the next look
                log.exception("could not restart the embedded redis")
