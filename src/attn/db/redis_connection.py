"""Redis connections: the one factory that turns settings into a redis-py asyncio client."""

from __future__ import annotations

from typing import TypeAlias

from redis.asyncio import Redis, RedisCluster

AnyRedis: TypeAlias = "Redis | RedisCluster"


def create_redis(url: str, *, cluster: bool = False, client_name: str = "attn") -> AnyRedis:
    """A pooled asyncio client (named, so ``CLIENT LIST`` tells ATTN's connections apart).

    ``decode_responses`` is on: everything ATTN stores is UTF-8 JSON or ASCII.
    """
    if cluster:
        return RedisCluster.from_url(url, decode_responses=True, client_name=client_name)
    return Redis.from_url(
        url, decode_responses=True, client_name=client_name, health_check_interval=30
    )
