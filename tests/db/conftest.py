"""The Redis data-access tests run on a single server and on a Redis Cluster.

Every multi-key command and script of ``RedisClient`` must stay in one hash slot; only a
cluster refuses one that does not (``CROSSSLOT``), so the same tests run on both.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from attn.db.redis_connection import AnyRedis
from tests.fixtures.redis_cluster import SERVER_AND_CLUSTER, server_or_cluster


@pytest.fixture(params=SERVER_AND_CLUSTER)
def redis(request: pytest.FixtureRequest, redis: AnyRedis) -> AnyRedis:
    return server_or_cluster(request, redis)


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with nothing in it, not even Alembic's version table."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'empty.sqlite3'}"
    make: Callable[[], str] = request.getfixturevalue("fresh_postgres_database")
    return make()
