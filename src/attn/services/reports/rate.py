"""The attendance rate: defined here once, used by every report, page and export.

    rate = (present + late × late_weight) / (held − excused)

over the attendances that count for the student (*held*): the course's stored, not deleted
attendances at whose close the student was on the roster, or in which the student has a
record (a walk-in accepted by hand counts too). A held attendance without a record for a
student on the roster counts as ``absent``; ``rejected`` and ``pending`` count as not
attended; ``excused`` is left out of both sides. ``late_weight`` is the course's
``late_weight_percent`` / 100. With nothing left to count (no attendance held, or every one
excused) there is no rate (None), and the student is under no threshold.

Exact fractions, so a rate of exactly the threshold is never "under" by a rounding error.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from attn.models import RecordStatus


@dataclass(frozen=True, slots=True)
class Tally:
    """How many of the counted attendances a student had in each status."""

    present: int = 0
    late: int = 0
    excused: int = 0
    absent: int = 0
    rejected: int = 0
    pending: int = 0

    @property
    def held(self) -> int:
        """The attendances counted for the student (excused included)."""
        return self.present + self.late + self.excused + self.absent + self.rejected + self.pending

    @classmethod
    def of(cls, statuses: Iterable[str]) -> Tally:
        """The tally of one student's cells (each a :class:`RecordStatus` value)."""
        counts = Counter(statuses)
        return cls(**{status.value: counts[status.value] for status in RecordStatus})


def attendance_rate(tally: Tally, late_weight_percent: int) -> Fraction | None:
    """The rate as an exact fraction in [0, 1]; None when nothing counts (see the module)."""
    counted = tally.held - tally.excused
    if counted <= 0:
        return None
    attended = Fraction(tally.present) + Fraction(tally.late * late_weight_percent, 100)
    return attended / counted


def is_under(rate: Fraction | None, threshold_percent: int) -> bool:
    """Whether the rate is under the course's threshold (no rate: never)."""
    return rate is not None and rate * 100 < threshold_percent


def as_percent(rate: Fraction | None) -> float | None:
    """The rate in percent, one decimal (for showing; compare with :func:`is_under`)."""
    return None if rate is None else round(float(rate * 100), 1)
