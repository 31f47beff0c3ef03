"""The login rush's client side: student journeys of several dependent requests, and a
steady stream of check-ins beside them.

Built on the lean load generator (``bench.loadgen``): pre-encoded HTTP/1.1 requests over
keep-alive connections, reading only the status line, the headers and the body. A journey
needs each answer (the token of its login) before its next request, so it runs as a
coroutine on one connection; ``concurrency`` connections take students from one queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from bench.loadgen import Reply, Request, client_cpu_seconds, read_reply

S = TypeVar("S")


class StepFailed(Exception):
    """A journey's step got an answer it did not expect (the journey counts as an error)."""

    def __init__(self, step: str, reply: Reply) -> None:
        super().__init__(f"{step}: {reply.status} {reply.body[:200]!r}")
        self.step = step
        self.reply = reply


class Connection:
    """One keep-alive connection; every reply's status is counted under its step's name."""

    def __init__(self, host: str, port: int, statuses: Counter[str]) -> None:
        self.host, self.port, self.statuses = host, port, statuses
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def send(self, step: str, request: Request, expect: int) -> Reply:
        """Send ``request``; :class:`StepFailed` unless the status is ``expect``."""
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._streams
        try:
            writer.write(request.encode(f"{self.host}:{self.port}"))
            reply = await read_reply(reader)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            self.statuses[f"{step} connection error"] += 1
            self.close()
            raise
        self.statuses[f"{step} {reply.status}"] += 1
        if reply.status != expect:
            raise StepFailed(step, reply)
        return reply

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


@dataclass
class JourneyResult:
    journeys: int
    seconds: float
    latencies_ms: list[float]
    statuses: Counter[str]
    errors: list[str]
    cpu_seconds: float

    def percentile(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    def count(self, step_status: str) -> int:
        return self.statuses.get(step_status, 0)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile by rank (nearest rank, as ``bench.loadgen`` computes it)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


async def run_journeys(
    host: str,
    port: int,
    students: Sequence[S],
    journey: Callable[[Connection, S], Awaitable[None]],
    concurrency: int,
) -> JourneyResult:
    """Run ``journey`` once per student over ``concurrency`` connections; a failed step ends
    that student's journey (an error) and the connection goes on with the next student."""
    queue: asyncio.Queue[S] = asyncio.Queue()
    for student in students:
        queue.put_nowait(student)
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    errors: list[str] = []

    async def worker() -> None:
        connection = Connection(host, port, statuses)
        try:
            while not queue.empty():
                student = queue.get_nowait()
                started = time.perf_counter()
                try:
                    await journey(connection, student)
                except (StepFailed, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                latencies.append((time.perf_counter() - started) * 1000)
        finally:
            connection.close()

    cpu_before, started = client_cpu_seconds(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    return JourneyResult(
        len(students), seconds, latencies, statuses, errors, client_cpu_seconds() - cpu_before
    )


@dataclass
class Sample:
    at: float
    """Seconds since the stream started, when the request was due."""
    latency_ms: float
    """From when it was due (not when a connection was free) to its answer."""
    status: int


@dataclass
class SteadyStream:
    """Check-ins of already logged-in students at a fixed rate, each timed from when it was
    due (an open loop: a slow server does not slow the stream down and hide its delay)."""

    host: str
    port: int
    rate: float
    requests: Sequence[Request]
    samples: list[Sample] = field(default_factory=list)
    errors: int = 0
    started: float = 0.0
    """``time.perf_counter()`` when the stream began."""
    _idle: list[Connection] = field(default_factory=list)
    _statuses: Counter[str] = field(default_factory=Counter)

    async def run(self, stop: asyncio.Event) -> None:
        """Send one request every ``1 / rate`` seconds until ``stop`` is set (or the
        requests run out); wait for the ones in flight."""
        started = self.started = time.perf_counter()
        in_flight: set[asyncio.Task[None]] = set()
        for index, request in enumerate(self.requests):
            due = started + index / self.rate
            delay = due - time.perf_counter()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
            if stop.is_set():
                break
            task = asyncio.create_task(self._one(request, due, due - started))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        await asyncio.gather(*in_flight)
        for connection in self._idle:
            connection.close()

    async def _one(self, request: Request, due: float, at: float) -> None:
        reply = await self._send(request)
        if reply is not None:
            self.samples.append(Sample(at, (time.perf_counter() - due) * 1000, reply.status))

    async def _send(self, request: Request) -> Reply | None:
        """The reply (any status), or None after a connection error. An idle connection the
        server closed meanwhile (its keep-alive timeout) is replaced once, as browsers do."""
        reused = bool(self._idle)
        connection = self._idle.pop() if reused else self._connect()
        for attempt in range(2):
            try:
                reply = await connection.send("steady check-in", request, expect=201)
            except StepFailed as failed:
                self.errors += 1
                reply = failed.reply
            except (OSError, asyncio.IncompleteReadError, ValueError):
                if reused and attempt == 0:
                    connection = self._connect()
                    continue
                self.errors += 1
                return None
            self._idle.append(connection)
            return reply
        return None

    def _connect(self) -> Connection:
        return Connection(self.host, self.port, self._statuses)

    def between(self, start: float, end: float) -> list[float]:
        """Latencies of the requests due in ``[start, end)`` seconds after the stream began."""
        return [s.latency_ms for s in self.samples if start <= s.at < end]

    @property
    def statuses(self) -> Counter[int]:
        return Counter(sample.status for sample in self.samples)
