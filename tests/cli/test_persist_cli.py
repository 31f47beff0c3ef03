"""``attn persist --once`` as cron runs it: a real process, here during a database outage.

The operator reads one summary line and one error line, and the exit status says the
data stayed in Redis; never a connection traceback.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from attn.db import keys
from attn.db.redis_client import RedisClient
from attn.db.redis_connection import AnyRedis
from tests.helpers.persistence import seed
from tests.helpers.processes import clean_env, run_attn

NOTHING_LISTENS = "postgresql://attn@127.0.0.1:9/attn"


@pytest.mark.parametrize("auto_migrate", ["true", "false"])
async def test_once_during_a_database_outage_prints_a_summary_and_one_error(
    redis_url: str, redis: AnyRedis, tmp_path: Path, auto_migrate: str
) -> None:
    await seed(RedisClient(redis))  # an attendance waiting to be stored
    env = clean_env(
        tmp_path / "data",
        ATTN_REDIS_URL=redis_url,
        ATTN_DATABASE_URL=NOTHING_LISTENS,
        ATTN_AUTO_MIGRATE=auto_migrate,
        ATTN_LOG_LEVEL="CRITICAL",  # what is left on stderr is the command's own words
    )
    result = await asyncio.to_thread(run_attn, "persist", "--once", env=env)
    assert result.returncode == 1, result
    assert "Traceback" not in result.stdout + result.stderr
    out = result.stdout.splitlines()
    assert len(out) == 1, result.stdout
    assert out[0].startswith("persistence run: ")
    assert "database=down" in out[0]
    err = result.stderr.splitlines()
    assert len(err) == 1, result.stderr
    assert err[0].startswith("error: ")
    assert "database" in err[0]
    assert await redis.zcard(keys.due()) == 1  # the data stays in Redis
