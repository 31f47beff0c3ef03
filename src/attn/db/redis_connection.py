"""Redis connections: the one factory that turns settings into a redis-py asyncio client."""

from __future__ import annotations

from typing import TypeAlias

from redis.asyncio import BlockingConnectionPool, Redis, RedisCluster

AnyRedis: TypeAlias = "Redis | RedisCluster"

MAX_CONNECTIONS = 200
POOL_TIMEOUT_S = 10.0


def create_redis(
    url: str,
    *,
    cluster: bool = False,
    client_name: str = "attn",
    max_connections: int = MAX_CONNECTIONS,
) -> AnyRedis:
    """A pooled asyncio client (named, so ``CLIENT LIST`` tells ATTN's connections apart).

    ``decode_responses`` is on: everything ATTN stores is UTF-8 JSON or ASCII. The pool
    blocks (up to ``POOL_TIMEOUT_S``) when all connections are busy: redis-py's default
    async pool raises ``MaxConnectionsError`` past 100 concurrent commands instead, which
    a burst of check-ins at the start of a lecture easily reaches.
    """
    if cluster:
        return RedisCluster.from_url(
            url, decode_responses=True, client_name=client_name, max_connections=max_connections
        )
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=POOL_TIMEOUT_S,
        decode_responses=True,
        client_name=client_name,
        health_check_interval=30,
    )
    return Redis.from_pool(pool)
