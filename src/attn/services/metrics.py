"""Prometheus metrics of the services: logins, check-ins, open live channels.

Exported at ``GET /metrics`` with the HTTP and persistence figures, from the one registry
(prometheus_client's default; :mod:`attn.api.metrics_export` gathers the processes of
``attn serve --workers N``). Label values come from short fixed lists, never from a user
number, an attendance id or a path, so the number of series stays small.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

from attn.services.security import FAIL_REASONS

LOGIN_OUTCOMES = ("success", "invalid_credentials", "rate_limited", "error")
"""``error``: no verdict on the password (the database or Redis failed)."""

CHECKIN_RESULTS = ("present", "late", "pending", "rejected", "unchanged")
"""The record a check-in left: ``unchanged`` when an earlier one (a good check-in, a
teacher's decision) was kept and returned as it was."""

NO_REASON = "none"

LOGINS = Counter("attn_logins_total", "Password logins, by outcome", ["outcome"])
CHECKINS = Counter(
    "attn_checkins_total",
    "Check-ins that reached the attendance, by the record's status and fail_reason",
    ["result", "fail_reason"],
)
LIVE_CONNECTIONS = Gauge(
    "attn_live_connections",
    "Live-channel (server-sent events) connections open now",
    multiprocess_mode="livesum",
)

for _outcome in LOGIN_OUTCOMES:
    LOGINS.labels(outcome=_outcome)  # every series from the start, at 0
_checkins = {
    (result, reason): CHECKINS.labels(result=result, fail_reason=reason)
    for result, reason in [
        *((r, NO_REASON) for r in ("present", "late", "pending", "unchanged")),
        *(("rejected", reason) for reason in sorted(FAIL_REASONS)),
    ]
}
"""The check-in's counters, made at import (so every series is exported from the start, at
0) and looked up once: ``labels()`` takes a lock and checks every label on each call,
which the hot path need not pay for."""


def count_checkin(result: str, fail_reason: str | None) -> None:
    """One check-in that left a record of ``result`` (``fail_reason`` when rejected)."""
    key = (result, fail_reason or NO_REASON)
    counter = _checkins.get(key)
    if counter is None:  # a reason outside FAIL_REASONS (none today): counted all the same
        counter = _checkins[key] = CHECKINS.labels(result=key[0], fail_reason=key[1])
    counter.inc()


def count_login(outcome: str) -> None:
    LOGINS.labels(outcome=outcome).inc()
