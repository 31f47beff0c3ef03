"""The Redis data-access tests run on a single server and on a Redis Cluster.

Every multi-key command and script of ``RedisClient`` must stay in one hash slot; only a
cluster refuses one that does not (``CROSSSLOT``), so the same tests run on both.
"""

from __future__ import annotations

import pytest

from attn.db.redis_connection import AnyRedis
from tests.fixtures.redis_cluster import SERVER_AND_CLUSTER, server_or_cluster


@pytest.fixture(params=SERVER_AND_CLUSTER)
def redis(request: pytest.FixtureRequest, redis: AnyRedis) -> AnyRedis:
    return server_or_cluster(request, redis)
