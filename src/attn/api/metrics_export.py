"""The text ``GET /metrics`` answers: the one registry, plus what is read at each scrape.

Every metric of ATTN is made on prometheus_client's default registry (the HTTP metrics,
:mod:`attn.services.metrics`, :mod:`attn.persistence.metrics`). ``attn serve --workers N``
runs N processes behind one port, and a scrape reaches one of them; so with more than one
worker the serve command gives them a fresh ``PROMETHEUS_MULTIPROC_DIR``
(:func:`attn.cli.serve`), prometheus_client then keeps each process's values in files
there, and a scrape adds them all up (:class:`~prometheus_client.multiprocess.
MultiProcessCollector`). Live gauges (open live channels) count only processes still alive:
a worker's files are dropped when it stops, and at each scrape for any that died unseen.

The backends' state and the persistence backlog are read at each scrape instead (one Redis
round trip and the ``/ready`` probes), so they are true whichever process runs the job.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

from attn.persistence.backlog import Backlog

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_LIVE_FILE = re.compile(r"gauge_live[a-z]*_(\d+)\.db$")


@dataclass(frozen=True)
class ScrapeFigures:
    redis_up: bool
    database_up: bool
    backlog: Backlog | None
    """None when Redis did not answer."""


def multiprocess_dir() -> str | None:
    """The directory the processes of one ``attn serve`` share, when there are several."""
    return os.environ.get(MULTIPROC_ENV) or None


def exposition(figures: ScrapeFigures) -> bytes:
    """The Prometheus text of every metric of this process (or all of serve's processes)."""
    path = multiprocess_dir()
    if path is None:
        source: Collector = REGISTRY
    else:
        forget_dead_processes(path)
        source = CollectorRegistry()
        MultiProcessCollector(source, path=path)  # type: ignore[no-untyped-call]
    return generate_latest(_WithFigures(source, figures))


def process_exiting() -> None:
    """Drop this process's live gauges (multiprocess mode; its counters stay counted)."""
    path = multiprocess_dir()
    if path is not None:
        mark_process_dead(os.getpid(), path)  # type: ignore[no-untyped-call]


def forget_dead_processes(path: str) -> None:
    """Drop the live gauges of worker processes that ended without saying so (killed)."""
    for name in glob.glob(os.path.join(path, "gauge_live*_*.db")):
        found = _LIVE_FILE.search(name)
        if found is not None and not _alive(int(found.group(1))):
            mark_process_dead(int(found.group(1)), path)  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process now holds the number: not ours
        return False
    return True


class _WithFigures:
    def __init__(self, source: Collector, figures: ScrapeFigures) -> None:
        self.source = source
        self.figures = figures

    def collect(self) -> Iterable[Metric]:
        yield from self.source.collect()
        yield from _figures(self.figures)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _figures(figures: ScrapeFigures) -> Iterator[Metric]:
    yield _gauge("attn_redis_up", "1 when Redis answered this scrape's ping", figures.redis_up)
    yield _gauge(
        "attn_database_up", "1 when the database answered this scrape's ping", figures.database_up
    )
    backlog = figures.backlog
    if backlog is None:
        return
    yield _gauge(
        "attn_persistence_lag_seconds",
        "Age of the oldest attendance waiting to be persisted, read from Redis (0: none)",
        backlog.oldest_due_age,
    )
    yield _gauge(
        "attn_persistence_due", "Attendances waiting to be persisted, read from Redis", backlog.due
    )
    yield _gauge(
        "attn_persistence_dead_letters",
        "Attendances moved aside for an admin (attn persist --failed), read from Redis",
        backlog.dead_letters,
    )
