"""The embedded redis-server: started once per data dir, joined by other processes, durable."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as sync_redis

from attn.embedded import MAX_UNIX_SOCKET_PATH, EmbeddedRedis

JOIN_SCRIPT = """
import json, sys
from pathlib import Path
from attn.embedded import EmbeddedRedis
server = EmbeddedRedis(Path(sys.argv[1]))
url = server.start()
print(json.dumps({"url": url, "owned": server.owned}))
server.stop()
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    embedded = EmbeddedRedis(tmp_path / "data")
    embedded.start()
    yield embedded
    embedded.stop()


def _client(url: str) -> sync_redis.Redis:
    return sync_redis.Redis.from_url(url, decode_responses=True)


class TestEmbeddedRedis:
    def test_starts_on_a_unix_socket_with_append_only_file(self, server: EmbeddedRedis) -> None:
        assert server.owned
        assert server.url.startswith("unix://")
        client = _client(server.url)
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        assert Path(str(client.config_get("dir")["dir"])) == server.folder
        client.close()

    def test_second_instance_in_this_process_joins(self, server: EmbeddedRedis) -> None:
        other = EmbeddedRedis(server.data_dir)
        assert other.start() == server.url
        assert not other.owned
        other.stop()  # not the owner: must leave the server running
        assert _client(server.url).ping()

    def test_second_process_joins_instead_of_starting_another(self, server: EmbeddedRedis) -> None:
        done = subprocess.run(
            [sys.executable, "-c", JOIN_SCRIPT, str(server.data_dir)],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        joined = json.loads(done.stdout)
        assert joined == {"url": server.url, "owned": False}
        assert _client(server.url).ping()

    def test_restart_keeps_live_data(self, tmp_path: Path) -> None:
        first = EmbeddedRedis(tmp_path / "data")
        client = _client(first.start())
        client.hset("attn:att:{x}:records", mapping={"s1": "one", "s2": "two"})
        client.close()
        first.stop()

        second = EmbeddedRedis(tmp_path / "data")
        client = _client(second.start())
        try:
            assert second.owned
            assert client.hgetall("attn:att:{x}:records") == {"s1": "one", "s2": "two"}
        finally:
            client.close()
            second.stop()

    def test_stop_really_stops_the_server(self, tmp_path: Path) -> None:
        embedded = EmbeddedRedis(tmp_path / "data")
        url = embedded.start()
        embedded.stop()
        with pytest.raises((sync_redis.ConnectionError, OSError)):
            sync_redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()

    def test_long_data_dir_falls_back_to_a_loopback_port(self, tmp_path: Path) -> None:
        deep = tmp_path / ("d" * (MAX_UNIX_SOCKET_PATH + 10))
        embedded = EmbeddedRedis(deep)
        try:
            url = embedded.start()
            assert url.startswith("redis://127.0.0.1:")
            assert _client(url).ping()
        finally:
            embedded.stop()


class TestOwnership:
    """Issue 12.4: who stops the server, and what happens when it dies or hangs."""

    def test_an_adopting_joiner_keeps_the_server_when_the_starter_stops(
        self, tmp_path: Path
    ) -> None:
        starter = EmbeddedRedis(tmp_path / "data")  # a CLI command
        url = starter.start()
        adopter = EmbeddedRedis(tmp_path / "data")  # attn serve
        try:
            assert adopter.start(adopt=True) == url
            assert adopter.owned
            starter.stop()  # the CLI command exits
            assert _client(url).ping()
        finally:
            adopter.stop()
            starter.stop()
        with pytest.raises((sync_redis.ConnectionError, OSError)):
            sync_redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
        assert not (adopter.folder / "server.json").exists()

    def test_a_dead_server_is_restarted_on_its_url_with_its_data(
        self, server: EmbeddedRedis
    ) -> None:
        client = _client(server.url)
        client.set("attn:test:kept", "yes")
        client.close()
        time.sleep(1.2)  # past appendfsync everysec
        assert server.pid is not None
        dead = server.pid
        assert not server.ensure_running()  # alive: nothing to do
        os.kill(dead, signal.SIGKILL)
        assert server._process is not None
        server._process.wait(timeout=10)
        assert server.ensure_running()
        assert server.pid != dead
        client = _client(server.url)
        assert client.get("attn:test:kept") == "yes"
        client.close()

    def test_a_hung_left_over_server_is_killed_and_replaced(self, tmp_path: Path) -> None:
        left_over = EmbeddedRedis(tmp_path / "data")
        left_over.start()
        assert left_over.pid is not None
        os.kill(left_over.pid, signal.SIGSTOP)  # frozen: alive, but never answers
        fresh = EmbeddedRedis(tmp_path / "data")
        try:
            url = fresh.start()
            assert fresh.owned
            assert fresh.pid != left_over.pid
            assert left_over._process is not None
            assert left_over._process.wait(timeout=10) == -signal.SIGKILL
            assert _client(url).ping()
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(left_over.pid, signal.SIGKILL)
            fresh.stop()
            left_over.stop()

    def test_a_stale_state_file_and_socket_are_replaced(self, tmp_path: Path) -> None:
        first = EmbeddedRedis(tmp_path / "data")
        first.start()
        assert first.pid is not None
        assert first._process is not None
        os.kill(first.pid, signal.SIGKILL)
        first._process.wait()  # dead; server.json and redis.sock stay behind
        second = EmbeddedRedis(tmp_path / "data")
        try:
            assert second.start() == first.url
            assert second.owned
            assert _client(second.url).ping()
        finally:
            second.stop()
            first.stop()  # not the owner any more: must not touch the new server's state
        assert not (second.folder / "server.json").exists()

    def test_a_left_over_server_that_answers_after_a_moment_is_joined(self, tmp_path: Path) -> None:
        """Silent for a second (busy, or frozen and resumed), not hung: never a second
        server beside it on the same append-only file."""
        left_over = EmbeddedRedis(tmp_path / "data")
        url = left_over.start()
        assert left_over.pid is not None
        os.kill(left_over.pid, signal.SIGSTOP)
        resume = threading.Timer(1.0, os.kill, (left_over.pid, signal.SIGCONT))
        resume.start()
        joiner = EmbeddedRedis(tmp_path / "data")
        try:
            assert joiner.start() == url
            assert joiner.pid == left_over.pid
            assert not joiner.owned
        finally:
            resume.join()
            joiner.stop()
            left_over.stop()
