"""An injectable clock: the checks take ``now`` from it, so tests move time instead of
sleeping, and every check in one request sees the same instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to (tests, benchmarks, demos)."""

    def __init__(self, at: datetime | None = None) -> None:
        self._at = _aware(at) if at is not None else datetime.now(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = _aware(at)

    def advance(self, seconds: float) -> datetime:
        """Move forward (or back, for a negative value) and return the new instant."""
        self._at += timedelta(seconds=seconds)
        return self._at


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("the clock needs a timezone-aware datetime")
    return at.astimezone(UTC)
