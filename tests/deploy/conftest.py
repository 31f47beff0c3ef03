"""A production install as docs/deploy.md describes it, on this machine's loopback: the
shipped environment file, ``attn migrate``, the accounts imported with ``attn user
import``, two ``attn serve`` and one or two ``attn worker`` processes started by their
units' command lines, and nginx on the shipped site with a certificate of the test's own.

Only what cannot be the same on a test machine is replaced: the addresses of PostgreSQL
and Redis, the secret, the public URL (nginx's test port) and the persistence interval
(shorter, so the test is quick). Everything else comes from ``deploy/`` as shipped."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deploy import shipped
from tests.deploy.stack import NGINX, Process, attn_command, nginx, started, wait_until_ready
from tests.fixtures.redis_cluster import SERVER_AND_CLUSTER
from tests.helpers.processes import clean_env, free_port

PASSWORD = "class-of-2026"
TEACHER = "T100"
STUDENTS = ["S001", "S002", "S003", "S004", "S005"]
ACCOUNTS_CSV = "\n".join(
    [
        "user_number,full_name,role,password",
        f"{TEACHER},Ayşe Yılmaz,teacher,{PASSWORD}",
        *(f"{number},Öğrenci {number},student,{PASSWORD}" for number in STUDENTS),
    ]
)
REPLACED = {
    "ATTN_DATABASE_URL",
    "ATTN_REDIS_URL",
    "ATTN_SECRET_KEY",
    "ATTN_PUBLIC_BASE_URL",
    "ATTN_DATA_DIR",
}
"""The shipped settings a test machine must differ in (the rest are used as shipped)."""
NOT_INSTALLED = "nginx is not installed: apt-get install -y nginx (as root; .ci/run does it)"


@dataclass(frozen=True)
class Deployment:
    base_url: str
    """https://127.0.0.1:<nginx's port>, the public base URL."""
    http_url: str
    """nginx's plain HTTP port, which only redirects."""
    api_urls: list[str]
    """The ``attn serve`` processes, straight (what a proxy-dodging client would reach)."""
    certificate: Path
    database_url: str
    servers: list[Process]
    workers: list[Process]


@pytest.fixture(params=SERVER_AND_CLUSTER)
def redis_setting(request: pytest.FixtureRequest) -> dict[str, str]:
    """A flushed Redis (server) or Redis Cluster, as the environment file names it."""
    if request.param == "server":
        request.getfixturevalue("redis")
        url: str = request.getfixturevalue("redis_url")
        return {"ATTN_REDIS_URL": url}
    request.getfixturevalue("redis_cluster")
    url = request.getfixturevalue("redis_cluster_url")
    return {"ATTN_REDIS_URL": url, "ATTN_REDIS_CLUSTER": "true"}


@pytest.fixture
def deployment(
    redis_setting: dict[str, str],
    fresh_postgres_database: Callable[[], str],
    tmp_path: Path,
) -> Iterator[Deployment]:
    if not NGINX.exists():
        pytest.skip(NOT_INSTALLED)
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: apt-get install -y openssl (.ci/run does it)")
    ports = shipped.NginxPorts(free_port(), free_port(), (free_port(), free_port()))
    base_url = f"https://127.0.0.1:{ports.https}"
    env = _environment(tmp_path, base_url, fresh_postgres_database(), redis_setting)
    _attn(["migrate"], env)
    _attn(["user", "import", "-"], env, stdin=ACCOUNTS_CSV)
    workers = 1 if "ATTN_REDIS_CLUSTER" not in redis_setting else 2
    with ExitStack() as stack:
        servers = [
            stack.enter_context(started(f"attn serve :{port}", _serve(port), env))
            for port in ports.upstreams
        ]
        running = [
            stack.enter_context(started(f"attn worker {n}", _worker(), env)) for n in range(workers)
        ]
        for server, port in zip(servers, ports.upstreams, strict=True):
            wait_until_ready(server, f"http://127.0.0.1:{port}/ready")
        for worker in running:
            wait_until_ready(worker, line="persistence worker started")
        proxy = stack.enter_context(nginx(tmp_path, ports))
        yield Deployment(
            base_url=base_url,
            http_url=f"http://127.0.0.1:{ports.http}",
            api_urls=[f"http://127.0.0.1:{port}" for port in ports.upstreams],
            certificate=tmp_path / "nginx" / "cert.pem",
            database_url=env["ATTN_DATABASE_URL"],
            servers=servers,
            workers=running,
        )
    for process in [*servers, *running]:
        assert "Traceback" not in process.log, f"{process.name}: {process.log}"
    assert "[emerg]" not in proxy.log, proxy.log
    assert "[crit]" not in proxy.log, proxy.log


def _environment(
    tmp_path: Path, base_url: str, database_url: str, redis: dict[str, str]
) -> dict[str, str]:
    shipped_env = shipped.environment_file()
    assert shipped_env.keys() >= REPLACED, "the environment file names these settings"
    replaced = {
        "ATTN_DATABASE_URL": database_url,
        "ATTN_SECRET_KEY": secrets.token_urlsafe(32),
        "ATTN_PUBLIC_BASE_URL": base_url,
        "ATTN_DATA_DIR": str(tmp_path / "data"),
        "ATTN_PERSIST_INTERVAL": "0.5",
        **redis,
    }
    return clean_env(tmp_path / "data", **{**shipped_env, **replaced})


def _serve(port: int) -> list[str]:
    return attn_command(shipped.attn_arguments(shipped.SERVE_UNIT, str(port)))


def _worker() -> list[str]:
    return attn_command(shipped.attn_arguments(shipped.WORKER_UNIT))


def _attn(arguments: list[str], env: dict[str, str], stdin: str | None = None) -> None:
    """An ``attn`` command of the install steps; it must succeed."""
    done = subprocess.run(
        [sys.executable, "-m", "attn", *arguments],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"attn {' '.join(arguments)}: {done.stderr}"
