"""The cluster the ``[cluster]`` tests run on is a real one: its slots are spread over
several primaries, and it refuses a script over keys of different slots, which a single
server accepts. Without that the cluster variants would prove nothing."""

from __future__ import annotations

import pytest
from redis.asyncio import RedisCluster
from redis.exceptions import RedisClusterException, ResponseError

from attn.db import keys
from attn.db.redis_connection import AnyRedis
from tests.fixtures.redis_cluster import PRIMARIES

pytestmark = pytest.mark.cluster

TWO_KEYS = "return redis.call('mget', KEYS[1], KEYS[2])"


async def test_the_slots_are_spread_over_several_primaries(redis_cluster: AnyRedis) -> None:
    assert isinstance(redis_cluster, RedisCluster)
    assert len(redis_cluster.get_primaries()) == PRIMARIES
    assert (await redis_cluster.cluster_info())["cluster_state"] == "ok"


async def test_a_script_over_two_slots_is_refused(redis_cluster: AnyRedis) -> None:
    apart = [keys.lesson("a"), keys.lesson("b")]
    with pytest.raises((ResponseError, RedisClusterException), match=r"(?i)slot"):
        await redis_cluster.eval(TWO_KEYS, 2, *apart)


async def test_a_script_over_one_attendance_runs(redis_cluster: AnyRedis) -> None:
    together = [keys.lesson("a"), keys.records("a")]
    assert await redis_cluster.eval(TWO_KEYS, 2, *together) == [None, None]
