"""A lean HTTP/1.1 keep-alive load generator on raw asyncio streams.

Generic async HTTP clients spend more CPU per request than a small ASGI endpoint does, so
they measure themselves. This one writes pre-built request bytes and parses only the status
line and Content-Length, so one process drives several server workers; ``cpu_seconds`` in
the result shows how busy the client itself was.
"""

from __future__ import annotations

import asyncio
import resource
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def encode(self, host: str) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        if self.body or self.method in {"POST", "PUT"}:
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: Counter[int]
    errors: int
    cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]

    def summary(self) -> str:
        median = statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")
        return (
            f"{self.requests} requests in {self.seconds:.2f}s = {self.rate:,.0f}/s; "
            f"p50 {median:.1f} ms, p95 {self.percentile(95):.1f} ms, "
            f"p99 {self.percentile(99):.1f} ms; statuses {dict(self.statuses)}; "
            f"errors {self.errors}; client CPU {self.cpu_seconds:.2f}s "
            f"({100 * self.cpu_seconds / self.seconds if self.seconds else 0:.0f}% of one core)"
        )


@dataclass(frozen=True)
class Reply:
    """A response's status line, raw header block and body (for multi-step clients)."""

    status: int
    head: bytes
    body: bytes

    def headers(self, name: str) -> list[str]:
        """Every value of header ``name`` (case-insensitive), e.g. each ``Set-Cookie``."""
        wanted = name.lower().encode()
        values = []
        for line in self.head.split(b"\r\n")[1:]:
            key, _, value = line.partition(b":")
            if key.strip().lower() == wanted:
                values.append(value.strip().decode("latin-1"))
        return values


async def read_reply(reader: asyncio.StreamReader) -> Reply:
    """Read one response; only ``Content-Length`` bodies (what the ATTN app sends)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
            break
        if name.strip().lower() == b"transfer-encoding":
            raise ValueError("chunked responses are not supported by this load generator")
    body = await reader.readexactly(length) if length else b""
    return Reply(status, head, body)


async def _read_response(reader: asyncio.StreamReader) -> int:
    return (await read_reply(reader)).status


async def run_load(
    host: str, port: int, requests: Sequence[Request], concurrency: int
) -> LoadResult:
    """Send every request once over ``concurrency`` keep-alive connections."""
    payloads = [request.encode(f"{host}:{port}") for request in requests]
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for payload in payloads:
        queue.put_nowait(payload)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors = 0

    async def connection() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while True:
                try:
                    payload = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                started = time.perf_counter()
                try:
                    writer.write(payload)
                    status = await _read_response(reader)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    errors += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                    continue
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[status] += 1
        finally:
            writer.close()

    cpu_before = client_cpu_seconds()
    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    return LoadResult(
        requests=len(payloads),
        seconds=seconds,
        latencies_ms=latencies,
        statuses=statuses,
        errors=errors,
        cpu_seconds=client_cpu_seconds() - cpu_before,
    )


def client_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
