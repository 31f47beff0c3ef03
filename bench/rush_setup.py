"""Data and server for ``bench/rush.py``: students in SQL with real Argon2 hashes, sessions
dropped as if they had expired, and ``attn serve`` itself on loopback."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import delete

from attn.db import keys
from attn.db.redis_connection import AnyRedis
from attn.db.sql import repository
from attn.db.sql.engine import create_engine, create_sessionmaker
from attn.db.sql.rows import NewUserRow
from attn.db.sql.tables import USERS
from attn.models import Role
from attn.models.types import utcnow
from attn.services.accounts.passwords import hash_password, usable_cores, verify_password

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PREFIXES = ("rc", "rw")
"""Numbers of the benchmark's users: cold (rush) students and the server's warm-up."""


def student_numbers(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{index:06d}" for index in range(count)]


async def seed_students(database_url: str, numbers: list[str], password: str) -> str:
    """Replace the benchmark's users by ``numbers``, all with the hash of ``password``.

    One hash, made once, for every user: seeding stays fast, and each login still verifies
    a real Argon2id hash of the default parameters (so none is re-hashed).
    """
    password_hash = hash_password(password)
    rows = [
        NewUserRow(
            user_number=number,
            full_name=f"Öğrenci {number}",
            role=Role.STUDENT,
            password_hash=password_hash,
        )
        for number in numbers
    ]
    engine = create_engine(database_url, application_name="attn-bench-rush")
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            for prefix in PREFIXES:
                await session.execute(delete(USERS).where(USERS.c.user_number.like(f"{prefix}%")))
            await repository.create_users(session, rows, at=utcnow())
    finally:
        await engine.dispose()
    return password_hash


async def drop_sessions(redis: AnyRedis, numbers: list[str]) -> int:
    """Delete the students' login sessions as their TTL would: their other keys (a
    remembered device) stay. Returns how many sessions there were."""
    dropped = 0
    for number in numbers:
        index = keys.user_sessions(number)
        ids = await redis.zrange(index, 0, -1)
        session_keys = [keys.user_session(number, str(i)) for i in ids]
        if session_keys:
            dropped += int(await redis.delete(*session_keys))
        await redis.delete(index)
    return dropped


def argon2_verify_ms(password_hash: str, password: str, runs: int = 9) -> float:
    """Median wall time of one verification on this machine (one core: p=1)."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        verify_password(password_hash, password)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def argon2_floor_seconds(students: int, verify_ms: float) -> float:
    """The least time ``students`` logins can take here: every core verifying all along."""
    return students * verify_ms / 1000 / usable_cores()


def server_env(data: Path, redis_url: str, database_url: str) -> dict[str, str]:
    """``attn serve``'s environment: the given Redis and database, no persistence job (the
    records stay in Redis to be counted), the default limits and password settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTN_")}
    env.update(
        ATTN_DATA_DIR=str(data),
        ATTN_REDIS_URL=redis_url,
        ATTN_DATABASE_URL=database_url,
        ATTN_AUTO_MIGRATE="false",
        ATTN_PERSIST_ENABLED="false",
        ATTN_LOG_LEVEL="WARNING",
    )
    return env


def start_attn_serve(workers: int, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``attn serve`` as an operator runs it, in a process group of its own."""
    command = [
        sys.executable, "-m", "attn", "serve",
        "--host", HOST, "--port", str(port), "--workers", str(workers),
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
