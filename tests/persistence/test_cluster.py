"""The persistence job on a Redis Cluster (docs/design.md#redis-cluster), on SQLite.

The job's scripts and transactions touch one attendance's keys at a time, all under one
hash tag, and the indexes with single-key commands; a cluster refuses anything else with
``CROSSSLOT``. These are the job's own test classes again, with the cluster under them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from attn.config import Settings
from attn.db.redis_connection import AnyRedis
from tests.persistence.conftest import job_settings_for
from tests.persistence.test_failures import TestConcurrentWorkers, TestDeadLetters
from tests.persistence.test_job import (
    TestChangesWhilePersisting,
    TestLeases,
    TestPersist,
    TestUsers,
)

pytestmark = pytest.mark.cluster

__all__ = [
    "TestChangesWhilePersisting",
    "TestConcurrentWorkers",
    "TestDeadLetters",
    "TestLeases",
    "TestPersist",
    "TestUsers",
]


@pytest.fixture
def sql_url(sqlite_url: str) -> str:
    """SQLite only: the Redis side is what differs here."""
    return sqlite_url


@pytest.fixture
def job_settings(
    redis_cluster_url: str, sql_url: str, tmp_path: Path, redis_cluster: AnyRedis
) -> Settings:
    return job_settings_for(redis_cluster_url, sql_url, tmp_path / "data", redis_cluster=True)
