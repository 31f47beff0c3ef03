"""Asserting a data-layer refusal by the client error it becomes.

The data layer reports outcomes (:mod:`attn.db.outcomes`), not client errors; a test of it
still wants to say which refusal it expects in the API's terms (``attendance_not_live``),
the one place that maps the two being :func:`attn.services.outcomes.domain_error`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

from attn.db.outcomes import DataOutcome
from attn.errors import AttnError
from attn.services.outcomes import domain_error


@dataclass
class Refusal:
    """Filled in when the block has raised: the outcome and the client error it becomes."""

    outcome: DataOutcome | None = None
    value: AttnError = field(default_factory=lambda: AttnError("not raised"))


@contextmanager
def refused_as(error: type[AttnError]) -> Iterator[Refusal]:
    """Like ``pytest.raises(error)`` for a data-layer call: the block must raise an outcome
    that services answer as ``error``; ``.value`` is that answer."""
    refusal = Refusal()
    with pytest.raises(DataOutcome) as info:
        yield refusal
    refusal.outcome, refusal.value = info.value, domain_error(info.value)
    assert isinstance(refusal.value, error), f"{refusal.value!r} is not a {error.__name__}"
