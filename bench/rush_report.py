"""What ``bench/rush.py`` measured, printed against the issue's targets (14.4)."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from bench.rush_client import JourneyResult, percentile

MAX_RUSH_SECONDS = 30.0
MAX_STEADY_P99_MS = 150.0
MIN_REMEMBERED_SPEED_UP = 5.0
SETTLING_SECONDS = 3.0
"""The logged-in stream is also reported from this long into the rush on: the hall's first
requests, all arriving at once, queue in front of everything else of a worker."""


@dataclass
class Phase:
    name: str
    """``password`` or ``remembered``: how the students got their session."""
    rush: JourneyResult
    records: int
    server_cpu: float
    quiet_ms: list[float]
    """The logged-in stream's latencies in the seconds before the rush."""
    during_ms: list[float]
    """... and while the rush ran."""
    settled_ms: list[float]
    """... and from a few seconds into the rush on (after the hall's first wave)."""
    steady_statuses: Counter[int] = field(default_factory=Counter)
    steady_errors: int = 0

    @property
    def ok(self) -> bool:
        """Every journey completed and the attendance holds exactly one record each."""
        return not self.rush.errors and self.records == self.rush.journeys

    @property
    def logins_per_second(self) -> float:
        logins = self.rush.count("login 200") + self.rush.count("resume 200")
        return logins / self.rush.seconds if self.rush.seconds else 0.0


@dataclass
class Round:
    workers: int
    concurrency: int
    steady_rate: float
    argon2_ms: float
    argon2_floor_s: float
    phases: list[Phase] = field(default_factory=list)


def _ms(values: list[float]) -> str:
    if not values:
        return "no samples"
    return (
        f"p50 {statistics.median(values):.0f} ms, p95 {percentile(values, 95):.0f} ms, "
        f"p99 {percentile(values, 99):.0f} ms, max {max(values):.0f} ms ({len(values)} requests)"
    )


def _phase_lines(phase: Phase) -> list[str]:
    rush = phase.rush
    verdict = "OK" if phase.ok else "MISMATCH"
    lines = [
        f"{phase.name} rush: {rush.journeys} students in {rush.seconds:.1f} s, "
        f"{phase.logins_per_second:.1f} logins/s; server CPU {phase.server_cpu:.1f} s, "
        f"client CPU {rush.cpu_seconds:.1f} s",
        f"  whole journey     : {_ms(rush.latencies_ms)}",
        f"  errors            : {len(rush.errors)}; statuses {dict(sorted(rush.statuses.items()))}",
        f"  records in Redis  : {phase.records} (expected {rush.journeys}) {verdict}",
        f"  logged-in check-ins before the rush: {_ms(phase.quiet_ms)}",
        f"  logged-in check-ins during the rush: {_ms(phase.during_ms)}; statuses "
        f"{dict(phase.steady_statuses)}, errors {phase.steady_errors}",
        f"  ... from {SETTLING_SECONDS:g} s into the rush on      : {_ms(phase.settled_ms)}",
    ]
    lines.extend(f"  e.g. {error}" for error in sorted(set(rush.errors))[:3])
    return lines


def _targets(result: Round) -> list[str]:
    password = result.phases[0]
    during = password.during_ms
    p99 = percentile(during, 99) if during else float("inf")
    lines = [
        _target(
            f"{password.rush.journeys} cold students in <= {MAX_RUSH_SECONDS:.0f} s, 0 errors, "
            f"exact records: {password.rush.seconds:.1f} s",
            password.ok and password.rush.seconds <= MAX_RUSH_SECONDS,
        ),
        _target(
            f"logged-in p99 < {MAX_STEADY_P99_MS:.0f} ms: {p99:.0f} ms", p99 < MAX_STEADY_P99_MS
        ),
    ]
    if len(result.phases) > 1:
        remembered = result.phases[1]
        speed_up = password.rush.seconds / remembered.rush.seconds
        lines.append(
            _target(
                f"remembered rush >= {MIN_REMEMBERED_SPEED_UP:.0f}x faster: {speed_up:.1f}x "
                f"({remembered.rush.seconds:.1f} s)",
                remembered.ok and speed_up >= MIN_REMEMBERED_SPEED_UP,
            )
        )
    return lines


def _target(text: str, met: bool) -> str:
    return f"  [{'met' if met else 'MISSED'}] {text}"


def report(result: Round) -> bool:
    """Print one round; True when every phase was correct (targets are reported, not
    enforced: they depend on the machine)."""
    print(
        f"\n== {result.workers} worker(s), concurrency {result.concurrency}, logged-in stream "
        f"{result.steady_rate:g}/s"
    )
    print(
        f"Argon2id verification here: {result.argon2_ms:.1f} ms of one core; so "
        f"{result.phases[0].rush.journeys} logins need at least {result.argon2_floor_s:.1f} s "
        "of every core"
    )
    for phase in result.phases:
        print("\n".join(_phase_lines(phase)))
    print("targets:")
    print("\n".join(_targets(result)))
    return all(phase.ok for phase in result.phases)
