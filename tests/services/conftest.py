"""The service tests run on a single Redis server and on a Redis Cluster.

Rate limits, login sessions and the check-in security state use scripts and transactions
that must stay in one hash slot; only a cluster refuses one that does not (``CROSSSLOT``).
Services tested through the app get the cluster too.
"""

from __future__ import annotations

import pytest

from attn.config import Settings
from attn.db.redis_connection import AnyRedis
from tests.fixtures.redis_cluster import SERVER_AND_CLUSTER, server_or_cluster, settings_on


@pytest.fixture(params=SERVER_AND_CLUSTER)
def redis(request: pytest.FixtureRequest, redis: AnyRedis) -> AnyRedis:
    return server_or_cluster(request, redis)


@pytest.fixture
def app_settings(
    request: pytest.FixtureRequest, app_settings: Settings, redis: AnyRedis
) -> Settings:
    return settings_on(redis, request, app_settings)
