"""What one persistence run did: each attendance's outcome and the run's one log line.

Its own module so that the job (which fills it) and the metrics (which read it) both
import it, and neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    PERSISTED = "persisted"  # in the database and removed from Redis
    SKIPPED = "skipped"  # another worker holds it, or it is not due after all
    GONE = "gone"  # already persisted and cleaned up by someone else
    DEAD = "dead"  # moved aside: bad data that no retry can fix
    RETRY = "retry"  # lease lost, or still changing / contended: the next run takes it
    FAILED = "failed"  # an unexpected error (logged); retried after job.RETRY_LATER


@dataclass
class RunSummary:
    """What one run did; :meth:`line` is the one log line per run."""

    attendances: int = 0
    records: int = 0
    failures: int = 0
    skipped: int = 0
    retried: int = 0
    seconds: float = 0.0
    oldest_due_age: float | None = None
    dead_letters: int | None = None
    database_down: bool = False
    redis_down: bool = False
    outage_reason: str | None = None
    """The first outage's error, one line (for ``attn persist --once``)."""
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    @property
    def outage(self) -> bool:
        return self.database_down or self.redis_down

    @property
    def busy(self) -> bool:
        return bool(self.attendances or self.failures or self.retried or self.outage)

    def add(self, attendance_id: str, outcome: Outcome, records: int) -> None:
        self.outcomes[attendance_id] = outcome
        if outcome is Outcome.PERSISTED:
            self.attendances += 1
            self.records += records
        elif outcome in (Outcome.DEAD, Outcome.FAILED):
            self.failures += 1
        elif outcome is Outcome.RETRY:
            self.retried += 1
        elif outcome is Outcome.SKIPPED:
            self.skipped += 1

    def line(self) -> str:
        age = "none" if self.oldest_due_age is None else f"{self.oldest_due_age:.1f}s"
        flags = (("database", self.database_down), ("redis", self.redis_down))
        down = [name for name, flag in flags if flag]
        return (
            f"persistence run: attendances={self.attendances} records={self.records} "
            f"failures={self.failures} retried={self.retried} skipped={self.skipped} "
            f"seconds={self.seconds:.3f} oldest_due_age={age} "
            f"dead_letters={'?' if self.dead_letters is None else self.dead_letters}"
            + "".join(f" {name}=down" for name in down)
        )
