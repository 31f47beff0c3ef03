"""Live-list listeners for ``bench.checkin --listeners N``: teachers' pages following the
live channel of their attendance while the check-ins run.

They run in a process of their own, so their reading neither slows the load generator nor
is slowed by it. Each listener fetches its list (the snapshot's ``last_event_id``), then
follows ``GET /events?after=`` and notes, for every record event, how long after its write
it arrived: the event id's first part is the Redis server's clock (ms) when the check-in's
script appended it, and the server runs on this machine, so ``now - id`` is the delay.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import statistics
import time
from dataclasses import dataclass, field
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event

import httpx

from bench.loadgen import LoadResult

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Stream:
    """One listener: a teacher's token and the attendance, with the record events due."""

    token: str
    attendance_id: str
    expected: int


@dataclass
class Heard:
    """What one listener received: each record event's delay (ms) after its write."""

    delays_ms: list[float] = field(default_factory=list)
    other_events: int = 0


def listen(port: int, streams: list[Stream], ready: Event, stop: Event, out: Queue[object]) -> None:
    """The listeners' process: ``ready`` once every stream is open, ends when each got its
    expected events or ``stop`` is set; puts one :class:`Heard` per stream on ``out``."""
    heard = asyncio.run(_listen_all(port, streams, ready, stop))
    out.put(heard)


async def _listen_all(port: int, streams: list[Stream], ready: Event, stop: Event) -> list[Heard]:
    heard = [Heard() for _ in streams]
    limits = httpx.Limits(max_connections=2 * len(streams) + 2)
    base = f"http://{HOST}:{port}"
    timeout = httpx.Timeout(30, read=None)  # a stream may stay quiet between check-ins
    async with httpx.AsyncClient(base_url=base, timeout=timeout, limits=limits) as client:
        opened = [asyncio.Event() for _ in streams]
        tasks = [
            asyncio.create_task(_follow(client, stream, opened[i], heard[i]))
            for i, stream in enumerate(streams)
        ]
        await asyncio.wait_for(asyncio.gather(*(event.wait() for event in opened)), 30)
        ready.set()
        while not stop.is_set() and not all(task.done() for task in tasks):  # noqa: ASYNC110
            await asyncio.sleep(0.02)  # `stop` is another process's Event: polled
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return heard


async def _follow(
    client: httpx.AsyncClient, stream: Stream, opened: asyncio.Event, heard: Heard
) -> None:
    headers = {"Authorization": f"Bearer {stream.token}"}
    path = f"/api/v1/attendances/{stream.attendance_id}"
    snapshot = await client.get(f"{path}/records", headers=headers)
    after = snapshot.json()["last_event_id"]
    async with client.stream(
        "GET", f"{path}/events", params={"after": after}, headers=headers
    ) as r:
        if r.status_code != 200:
            raise SystemExit(f"listening failed: {r.status_code}")
        opened.set()
        name, event_id = "", ""
        async for line in r.aiter_lines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("id:"):
                event_id = line[3:].strip()
            elif line == "" and name:
                _note(heard, name, event_id)
                name = ""
                if len(heard.delays_ms) >= stream.expected:
                    return


def _note(heard: Heard, name: str, event_id: str) -> None:
    if name != "record":
        heard.other_events += 1
        return
    written_ms = int(event_id.split("-", 1)[0])
    heard.delays_ms.append(time.time() * 1000 - written_ms)


class Listeners:
    """The listeners' process around a measured run: :meth:`start` returns once every
    stream is open; :meth:`finish` waits (up to ``timeout``) for the events due."""

    def __init__(self, port: int, streams: list[Stream]) -> None:
        context = multiprocessing.get_context("spawn")  # a fresh interpreter, no loop state
        self._ready, self._stop = context.Event(), context.Event()
        self._out: Queue[object] = context.Queue()
        self._process = context.Process(
            target=listen, args=(port, streams, self._ready, self._stop, self._out)
        )

    def start(self) -> None:
        self._process.start()
        if not self._ready.wait(60):
            self._process.kill()
            raise SystemExit("the listeners did not connect")

    def finish(self, timeout: float) -> list[Heard]:
        deadline = time.monotonic() + timeout
        while self._process.is_alive() and self._out.empty() and time.monotonic() < deadline:
            time.sleep(0.05)
        self._stop.set()
        heard = self._out.get(timeout=30)
        self._process.join(10)
        assert isinstance(heard, list)
        return heard


@dataclass
class Listened:
    """Check-in runs without and with the listeners (in pairs), what each listener heard,
    whether every run stored its records, and the record events the listeners were due."""

    without: list[LoadResult] = field(default_factory=list)
    listened: list[LoadResult] = field(default_factory=list)
    without_cpu: list[float] = field(default_factory=list)
    listened_cpu: list[float] = field(default_factory=list)
    """Server CPU seconds of each run (with listeners: until every update was sent)."""
    heard: list[Heard] = field(default_factory=list)
    records_ok: bool = True
    expected: int = 0


def report_listened(run: Listened, students: int) -> bool:
    """Throughput with the listeners against without, pair by pair, and how fast updates
    reached them; False only if check-ins went wrong (the targets are figures to read)."""
    ratios = [w.rate / wo.rate for wo, w in zip(run.without, run.listened, strict=True)]
    pairs = zip(run.without, run.listened, ratios, run.without_cpu, run.listened_cpu, strict=True)
    for number, (alone, heard, ratio, cpu_alone, cpu_heard) in enumerate(pairs, 1):
        print(f"pair {number}: without {alone.rate:,.0f}/s (p99 {alone.percentile(99):.0f} ms, "
              f"server CPU {cpu_alone * 1000 / students:.2f} ms/check-in), "
              f"with {len(run.heard) // len(ratios)} listeners {heard.rate:,.0f}/s "
              f"(p99 {heard.percentile(99):.0f} ms, {cpu_heard * 1000 / students:.2f} ms): "
              f"{ratio:.0%}")  # fmt: skip
    kept, within = statistics.median(ratios), share_within(run.heard, run.expected)
    print(f"throughput kept, median : {kept:.0%} (target 90%: "
          f"{'met' if kept >= 0.9 else 'NOT met'})")  # fmt: skip
    print(f"updates at the listeners: {summary(run.heard, run.expected)} (target 95%: "
          f"{'met' if within >= 0.95 else 'NOT met'})")  # fmt: skip
    loads = [*run.without, *run.listened]
    good = all(load.errors == 0 and load.statuses.get(201, 0) == students for load in loads)
    return good and run.records_ok


def summary(heard: list[Heard], expected: int, within_ms: float = 1000) -> str:
    delays = sorted(delay for one in heard for delay in one.delays_ms)
    if not delays:
        return f"no updates arrived (expected {expected})"
    on_time = sum(1 for delay in delays if delay <= within_ms)
    p50, p95 = delays[len(delays) // 2], delays[min(len(delays) - 1, int(len(delays) * 0.95))]
    return (
        f"{len(delays)} of {expected} updates arrived; {on_time / expected:.1%} within "
        f"{within_ms / 1000:g} s; delay p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {delays[-1]:.0f} ms"
    )


def share_within(heard: list[Heard], expected: int, within_ms: float = 1000) -> float:
    on_time = sum(1 for one in heard for delay in one.delays_ms if delay <= within_ms)
    return on_time / expected if expected else 1.0
