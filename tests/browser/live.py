"""A real ``attn serve`` for the browser tests, with a teacher and students to play.

The accounts go in through ``attn user import`` as an admin would put them in; the server
runs on the test Redis (flushed before and after) and a fresh SQLite file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import redis as sync_redis

from tests.helpers.processes import attn_serve, clean_env, free_port, run_attn

LOGIN = "/api/v1/auth/login"
CODE_GRACE_SECONDS = 120
"""How long a code stays valid after the screen moved on: on a busy two-core machine a
student's phone may take longer than the default 10 s from the QR to the check-in."""


@dataclass(frozen=True)
class Person:
    """Someone the tests play: an account and the password typed into the pages."""

    number: str
    full_name: str
    role: str
    password: str


TEACHER = Person("t1001", "Ayşe Yılmaz", "teacher", "teacher-pass-1001")
ADMIN = Person("a1001", "Deniz Aksoy", "admin", "admin-pass-1001")
STUDENTS = tuple(
    Person(f"s20{n:02d}", name, "student", f"student-pass-{n:02d}")
    for n, name in enumerate(["Can Demir", "Elif Şahin", "Mert Öztürk", "Zeynep Kaya"], 1)
)


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    teacher: Person
    students: tuple[Person, ...]
    admin: Person = ADMIN
    data_dir: Path | None = None
    """The server's data folder (its SQLite database: ``attn.sqlite3``)."""


def log_in(base_url: str, person: Person) -> str:
    """A bearer token for ``person``, as an API client gets one."""
    response = httpx.post(
        base_url + LOGIN, json={"user_number": person.number, "password": person.password}
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


@contextlib.contextmanager
def live_server(redis_url: str, data_dir: Path) -> Iterator[LiveServer]:
    """``attn serve`` with :data:`TEACHER` and :data:`STUDENTS`, stopped on exit."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = clean_env(
        data_dir,
        ATTN_REDIS_URL=redis_url,
        ATTN_PUBLIC_BASE_URL=base_url,
        ATTN_CODE_GRACE_SECONDS=str(CODE_GRACE_SECONDS),
        # the teacher logs in from many browser contexts (one per test) and keeps the
        # API token of the fixtures: more than the default 5 sessions of one staff member
        ATTN_MAX_SESSIONS_STAFF="50",
    )
    keyspace = sync_redis.Redis.from_url(redis_url)
    keyspace.flushdb()
    try:
        _import_accounts(env, data_dir / "accounts.csv")
        with attn_serve(env, port=port) as served:
            yield LiveServer(served.base_url, TEACHER, STUDENTS, data_dir=data_dir)
        assert "Traceback" not in served.stderr, served.stderr
    finally:
        keyspace.flushdb()
        keyspace.close()


def _import_accounts(env: dict[str, str], csv_file: Path) -> None:
    rows = [f"{p.number},{p.full_name},{p.role},{p.password}" for p in (TEACHER, ADMIN, *STUDENTS)]
    csv_file.parent.mkdir(parents=True, exist_ok=True)
    csv_file.write_text("\n".join(rows) + "\n", encoding="utf-8")
    done = run_attn("user", "import", str(csv_file), env=env)
    assert done.returncode == 0, done.stderr
