"""Prometheus metrics of the persistence job, exported at ``GET /metrics``.

The same figures as the one log line per run: attendances and records persisted, failures,
run duration, and the age of the oldest due attendance as this process's job last saw it.
Each process exports its own counters; sum them across processes in the queries. Alert on
``attn_persistence_lag_seconds`` instead (:mod:`attn.persistence.backlog`, read from Redis
at each scrape): it is true whichever process runs the job, ``attn worker`` included.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from attn.persistence.summary import RunSummary

ATTENDANCES_PERSISTED = Counter(
    "attn_persist_attendances_total", "Attendances written to the database and removed from Redis"
)
RECORDS_PERSISTED = Counter("attn_persist_records_total", "Attendance records written")
FAILURES = Counter(
    "attn_persist_failures_total",
    "Attendances not persisted in a run, by reason (bad_data = moved to the dead letters)",
    ["reason"],
)
RUNS = Counter("attn_persist_runs_total", "Persistence runs, by result", ["result"])
RUN_SECONDS = Histogram(
    "attn_persist_run_seconds",
    "Duration of one persistence run",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
# With several workers (attn serve --workers N) each process's job sets these; a scrape
# reports the latest of them, not one series per process id.
OLDEST_DUE_AGE = Gauge(
    "attn_persist_oldest_due_seconds",
    "Age of the oldest attendance waiting to be persisted (0 when none is waiting)",
    multiprocess_mode="mostrecent",
)
DEAD_LETTERS = Gauge(
    "attn_persist_dead_letters",
    "Attendances moved aside for an admin (attn persist --failed)",
    multiprocess_mode="mostrecent",
)
LAST_SUCCESS = Gauge(
    "attn_persist_last_success_timestamp_seconds",
    "Unix time of the last run that reached the database and Redis",
    multiprocess_mode="max",
)

for _reason in ("bad_data", "transient", "lease_lost", "unexpected", "database_down", "redis_down"):
    FAILURES.labels(reason=_reason)  # export every series from the start, at 0
for _result in ("ok", "database_down", "redis_down"):
    RUNS.labels(result=_result)


def observe_run(summary: RunSummary) -> None:
    """Record the end of one run (the per-attendance counters are updated as it goes)."""
    RUN_SECONDS.observe(summary.seconds)
    if summary.database_down:
        RUNS.labels(result="database_down").inc()
    elif summary.redis_down:
        RUNS.labels(result="redis_down").inc()
    else:
        RUNS.labels(result="ok").inc()
        LAST_SUCCESS.set_to_current_time()  # wall time, not the job's clock: alerts compare it
    if not summary.redis_down:
        OLDEST_DUE_AGE.set(summary.oldest_due_age or 0.0)
        if summary.dead_letters is not None:
            DEAD_LETTERS.set(summary.dead_letters)
