"""Redis connections: the one factory that turns settings into a redis-py asyncio client."""

from __future__ import annotations

import socket
from typing import Any, TypeAlias

from redis.asyncio import BlockingConnectionPool, Redis, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, TimeoutError

AnyRedis: TypeAlias = "Redis | RedisCluster"

MAX_CONNECTIONS = 200
POOL_TIMEOUT_S = 10.0
CONNECT_TIMEOUT_S = 5.0
DEAD_PEER_TIMEOUT_MS = 10_000
"""How long sent data may stay unacknowledged before the kernel drops the connection."""
RETRIES = 3
RETRY_BACKOFF_BASE_S = 0.05
RETRY_BACKOFF_CAP_S = 0.5
"""Retries of a command whose connection broke: 100, 200, 400 ms apart, 0.7 s in all,
well inside a request's time; a Redis that stays down still answers 503 within a second."""


def command_retry() -> Retry:
    """Run a command again, on a new connection, when its connection broke.

    After a Redis restart every pooled connection is dead, and each used to fail the one
    request that found it (docs/operations.md#a-redis-restart). Only connection errors and
    timeouts are retried, never an error reply. A command re-run this way is safe, because
    almost always it never reached the old server; if it did (the server died between
    running it and answering): reads, SET NX and the compare-and-set scripts find their
    work done and answer so; ``check_in`` never duplicates a record; ``save_record`` and
    ``delete_record`` write the same value again, and a repeated audit entry keeps its
    ``entry_id``, which ``audit_log`` stores once; version bumps (INCR) only need to grow.
    The rate-limit counters (``hit_rate_limit``, ``session_hit``) may then count one request
    twice: accepted, a limit erring strict by one request during a Redis crash.
    """
    return Retry(
        ExponentialBackoff(cap=RETRY_BACKOFF_CAP_S, base=RETRY_BACKOFF_BASE_S),
        RETRIES,
        supported_errors=(ConnectionError, TimeoutError),
    )


def connection_options(url: str) -> dict[str, Any]:
    """How each connection to ``url`` bounds its waits, without a timer per reply.

    redis-py 8 arms an asyncio timer around every reply it reads (``socket_timeout``, 5 s
    by default): five of them per check-in (their cost:
    docs/performance.md#a-timer-per-redis-reply). A Redis that is gone is noticed
    by the kernel instead: keep-alive probes on idle connections, and ``TCP_USER_TIMEOUT``
    on connections waiting for an answer (Linux), after which the read fails at once. A Redis
    that is up but slow is waited for, like any database, while new requests wait at most
    ``POOL_TIMEOUT_S`` for a connection and then get 503. (A unix socket has no peer to
    lose: the server's end closes with it.)
    """
    options: dict[str, Any] = {
        "decode_responses": True,
        "socket_timeout": None,
        "socket_connect_timeout": CONNECT_TIMEOUT_S,
        "health_check_interval": 30,
        "retry": command_retry(),
        "retry_on_error": [ConnectionError, TimeoutError],
    }
    if url.startswith("unix:"):
        return options
    keepalive: dict[int, int] = {}
    for name, value in (
        ("TCP_KEEPIDLE", 30),
        ("TCP_KEEPINTVL", 5),
        ("TCP_KEEPCNT", 3),
        ("TCP_USER_TIMEOUT", DEAD_PEER_TIMEOUT_MS),
    ):
        option = getattr(socket, name, None)
        if option is not None:  # not every platform has each of them
            keepalive[option] = value
    return {**options, "socket_keepalive": True, "socket_keepalive_options": keepalive}


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
    options = connection_options(url)
    if cluster:
        return RedisCluster.from_url(
            url, client_name=client_name, max_connections=max_connections, **options
        )
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=POOL_TIMEOUT_S,
        client_name=client_name,
        **options,
    )
    return Redis.from_pool(pool)
