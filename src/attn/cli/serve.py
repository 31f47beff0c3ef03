"""``attn serve``, ``attn worker`` and ``attn migrate``: running the service."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import shutil
import signal
import socket
import tempfile
from collections.abc import Iterator
from types import FrameType
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from attn.cli.base import app, configure_logging, fail, load_settings, run_async
from attn.config import Settings, get_settings

if TYPE_CHECKING:
    from attn.embedded import EmbeddedRedis

_worker_log = logging.getLogger("attn.worker")


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(metavar="ADDRESS", help="Address to listen on.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, metavar="PORT", help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, metavar="N", help="Worker processes.")] = 1,
) -> None:
    """Run the HTTP API and web UI (and the persistence job, unless disabled)."""
    from attn.db.sql.migrate import upgrade
    from attn.startup_checks import log_serve_notices

    settings = load_settings()
    configure_logging(settings, verbose=True)  # a server's log is its output
    listener = _bind(host, port)  # first: a busy port fails before anything starts
    log_serve_notices(settings, host)
    # uvicorn shuts down on SIGTERM, then raises the signal again for the handler it found:
    # the default one would end the process before the embedded Redis is stopped below.
    signal.signal(signal.SIGTERM, _exit_after_shutdown)
    embedded, supervisor = _embedded_redis(settings)
    try:
        if settings.auto_migrate:
            upgrade(settings.effective_database_url)
            os.environ["ATTN_AUTO_MIGRATE"] = "false"  # workers must not race to migrate
        get_settings.cache_clear()  # the app reads the environment set above
        typer.echo(f"ATTN listening on {listen_url(host, port)}  (API docs: /docs)", err=True)
        with supervisor, _shared_metrics(workers):
            _run_uvicorn(settings, listener, workers)
    finally:
        listener.close()
        if embedded is not None:
            embedded.stop()


def listen_url(host: str, port: int) -> str:
    """The address ``attn serve --host host --port port`` is reached at, IPv6 bracketed."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound here rather than by uvicorn so that "listening" is only
    said once it is true and a busy port is one line naming it (uvicorn would log an
    ``[Errno 98]`` after the line had already been printed)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
        listener.listen(2048)  # uvicorn's backlog: connections wait until the app is up
    except OSError as exc:
        listener.close()
        if exc.errno == errno.EADDRINUSE:
            message = f"port {port} on {host} is already in use (another attn serve?); "
            raise fail(message + "stop it or choose another port with --port", 3) from None
        raise fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}", 3) from None
    listener.set_inheritable(True)  # the worker processes serve the same socket
    return listener


def _embedded_redis(
    settings: Settings,
) -> tuple[EmbeddedRedis | None, contextlib.AbstractContextManager[object]]:
    """Without ``ATTN_REDIS_URL``: the embedded Redis, owned by this process (adopted even
    when a CLI command started it: that one leaves it running at exit) and supervised; its
    URL goes into the environment for the uvicorn workers."""
    from attn.embedded import EmbeddedRedis
    from attn.embedded_supervisor import EmbeddedRedisSupervisor

    if settings.redis_url is not None:
        return None, contextlib.nullcontext()
    embedded = EmbeddedRedis(settings.data_dir)
    os.environ["ATTN_REDIS_URL"] = embedded.start(adopt=True)
    return embedded, EmbeddedRedisSupervisor(embedded)


@contextlib.contextmanager
def _shared_metrics(workers: int) -> Iterator[None]:
    """With several workers, a fresh directory where they keep their metrics, so that
    ``/metrics`` (answered by any one of them) adds up all of them; removed at exit.

    A ``PROMETHEUS_MULTIPROC_DIR`` set by the operator is used as it is (and left alone:
    prometheus_client wants it emptied before each start, which is theirs to do then).
    """
    from attn.api.metrics_export import MULTIPROC_ENV

    if workers == 1 or os.environ.get(MULTIPROC_ENV):
        yield
        return
    path = tempfile.mkdtemp(prefix="attn-metrics-")
    os.environ[MULTIPROC_ENV] = path  # read by prometheus_client as each worker imports it
    try:
        yield
    finally:
        del os.environ[MULTIPROC_ENV]
        shutil.rmtree(path, ignore_errors=True)


def _run_uvicorn(settings: Settings, listener: socket.socket, workers: int) -> None:
    """uvicorn on the socket bound above: in this process, or in ``workers`` processes."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(
        "attn.app:create_app",
        factory=True,
        workers=workers,
        log_level=settings.log_level.lower(),
        access_log=False,  # attn.access logs each request, without query strings
        # The client address comes from the connection unless ATTN_TRUSTED_PROXIES names
        # the proxy: uvicorn must not rewrite it first from X-Forwarded-For (it trusts
        # 127.0.0.1 by default, so a proxy on the same host would go unlisted).
        proxy_headers=False,
    )
    # After its shutdown uvicorn raises the caught signal again: Ctrl-C arrives as
    # KeyboardInterrupt, a clean stop (as in uvicorn.run).
    if workers > 1:
        with contextlib.suppress(KeyboardInterrupt):
            Multiprocess(config, sockets=[listener]).run()
        return
    config.load_app()
    server = uvicorn.Server(config)
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[listener])
    if not server.started:  # the app's start-up failed: uvicorn has logged why
        raise typer.Exit(3)


def _exit_after_shutdown(signum: int, frame: FrameType | None) -> NoReturn:
    """SIGTERM (systemd's or docker's stop) ends ``attn serve`` like Ctrl-C: cleanly."""
    raise SystemExit(0)


@app.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Alembic revision to upgrade to.")] = "head",
) -> None:
    """Create or upgrade the database schema."""
    from attn.db.sql.migrate import upgrade

    settings = load_settings()
    url = settings.effective_database_url
    try:
        upgrade(url, revision)
    except Exception as exc:  # a CLI answers with one line, whatever the driver raised
        raise fail(f"migration failed: {type(exc).__name__}: {exc}") from None
    typer.echo(f"database at revision {revision}")


@app.command()
@run_async
async def worker(
    interval: Annotated[
        float | None,
        typer.Option(min=0.1, metavar="SECONDS", help="Seconds between runs (default: settings)."),
    ] = None,
) -> None:
    """Run the persistence job in a loop until interrupted (SIGINT/SIGTERM).

    Any number of workers (and ``attn serve`` processes) may run at once: leases decide who
    writes which attendance. A database that is down at start-up does not stop the worker;
    its runs back off until the database is back.
    """
    from attn.persistence.worker import run_worker
    from attn.runtime import Runtime

    settings = load_settings()
    configure_logging(settings, verbose=True)  # a server: its log is its output
    runtime = await Runtime.open(settings, role="worker")
    await _migrate_if_reachable(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    _worker_log.info(
        "persistence worker started: every %.1fs, %d at a time, lease %dms",
        interval or settings.persist_interval,
        settings.persist_concurrency,
        settings.persist_lease_ms,
    )
    try:
        await run_worker(runtime, stop, interval)
    finally:
        await runtime.close()
    _worker_log.info("persistence worker stopped")


async def _migrate_if_reachable(settings: Settings) -> None:
    """``auto_migrate`` for ``attn worker``: a database that is down only logs a warning."""
    from attn.db.sql.migrate import upgrade_async

    if not settings.auto_migrate:
        return
    try:
        await upgrade_async(settings.effective_database_url)
    except Exception as exc:  # the database may be down: the runs back off and retry
        _worker_log.warning("could not migrate the database (%s: %s)", type(exc).__name__, exc)
