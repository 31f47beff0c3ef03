"""How ATTN's Redis connections wait: no timer per reply, dead peers found by the kernel."""

from __future__ import annotations

import socket
import sys

import pytest
from redis.asyncio import Redis

from attn.db.redis_connection import DEAD_PEER_TIMEOUT_MS, connection_options, create_redis


def test_replies_are_read_without_a_timer_and_connects_are_bounded() -> None:
    for url in ("redis://127.0.0.1:6379/0", "unix:///run/redis.sock"):
        options = connection_options(url)
        assert options["socket_timeout"] is None
        assert options["socket_connect_timeout"] > 0


def test_a_unix_socket_gets_no_tcp_options() -> None:
    assert "socket_keepalive" not in connection_options("unix:///run/redis.sock")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="TCP_USER_TIMEOUT is Linux's")
async def test_tcp_connections_carry_keepalive_and_a_dead_peer_timeout(redis_url: str) -> None:
    if redis_url.startswith("unix:"):  # the embedded server; CI also runs on a TCP Redis
        pytest.skip("the test Redis is a unix socket; the TCP options are checked on TCP only")
    client = create_redis(redis_url, client_name="attn-tests")
    assert isinstance(client, Redis)
    try:
        assert await client.ping()
        connection = await client.connection_pool.get_connection()  # type: ignore[no-untyped-call]
        try:
            sock = connection._writer.get_extra_info("socket")
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 30
            timeout = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT)
            assert timeout == DEAD_PEER_TIMEOUT_MS
        finally:
            await client.connection_pool.release(connection)
    finally:
        await client.aclose()
