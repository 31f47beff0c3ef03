"""Prometheus metrics of the persistence job (exported at ``GET /metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

ATTENDANCES_PERSISTED = Counter(
    "attn_persist_attendances_total", "Attendances written to the database and removed from Redis"
)
RECORDS_PERSISTED = Counter("attn_persist_records_total", "Attendance records written")
FAILURES = Counter(
    "attn_persist_failures_total", "Attendances that could not be persisted", ["reason"]
)
RUN_SECONDS = Histogram("attn_persist_run_seconds", "Duration of one persistence run")
OLDEST_DUE_AGE = Gauge(
    "attn_persist_oldest_due_seconds", "Age of the oldest attendance waiting to be persisted"
)
DEAD_LETTERS = Gauge("attn_persist_dead_letters", "Attendances moved aside for an admin")
