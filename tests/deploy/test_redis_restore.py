"""docs/deploy.md's Redis restore: a copy of Redis older than the database brings back an
attendance already stored, which the worker would write over the stored one (and over the
corrections made to it since). The guide's shell lines remove such attendances from Redis
before ATTN starts again. Here they run as printed (redis-cli and psql on the test's
servers) on a restored copy: the stored attendance and its correction stay as they are,
the live one keeps every key."""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy.engine import make_url

from attn.config import Settings
from attn.db import keys
from attn.db.redis_connection import AnyRedis
from attn.runtime import Runtime
from tests.deploy.shipped import ROOT
from tests.fixtures.app import Account, MakeUser
from tests.helpers.attendance_api import check_in, persist, start, url

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        shutil.which("redis-cli") is None or shutil.which("psql") is None,
        reason="the guide's restore lines need redis-cli and psql: "
        "apt-get install -y redis-tools postgresql-client",
    ),
]
BLOCK = re.compile(r"```sh\n((?:(?!```).)*comm -12(?:(?!```).)*)```", re.DOTALL)


@pytest.fixture
def app_settings(app_settings: Settings, postgres_url: str) -> Settings:
    return app_settings.model_copy(update={"database_url": postgres_url})


def redis_cli(redis_url: str) -> str:
    """``redis-cli`` with the options that reach the test's Redis."""
    parts = urlsplit(redis_url)
    if parts.scheme == "unix":
        return f"redis-cli -s {parts.path}"
    return f"redis-cli -u {redis_url}"


def guide_lines(tmp_path: Path, redis_url: str, database_url: str) -> str:
    """The guide's lines, with the test's servers and folder in place of the server's."""
    blocks: list[str] = BLOCK.findall((ROOT / "docs" / "deploy.md").read_text(encoding="utf-8"))
    [block] = blocks
    plain = make_url(database_url).set(drivername="postgresql")
    psql = f"psql {plain.render_as_string(hide_password=False)}"
    for old, new in (  # the folder first: the servers' addresses may name /tmp too
        ("/tmp/", f"{tmp_path}/"),
        ("export REDISCLI_AUTH=REDIS_PASSWORD\n", ""),
        ("redis-cli", redis_cli(redis_url)),
        ("sudo -u postgres psql -d attn", psql),
    ):
        assert old in block, f"the guide's restore lines no longer contain {old!r}"
        block = block.replace(old, new)
    return block


async def copy_of(redis: AnyRedis, aid: str) -> list[tuple[str, Any]]:
    """What a Redis backup holds of one attendance: its keys, as DUMP gives them."""
    return [(name, await redis.dump(name)) for name in await key_names(redis, aid)]


async def stored_with_a_copy(
    api: httpx.AsyncClient,
    runtime: Runtime,
    redis: AnyRedis,
    teacher: Account,
    students: list[Account],
) -> tuple[str, list[tuple[str, Any]]]:
    """An attendance stored by the job, and a copy of its keys taken just before: the
    backup that is older than the database."""
    aid = (await start(api, teacher))["attendance_id"]
    for student in students:
        assert (await check_in(api, student, aid)).status_code == 201
    finished = await api.post(url(aid, "finish"), headers=teacher.headers)
    assert finished.status_code == 200, finished.text
    copy = await copy_of(redis, aid)
    assert (await persist(runtime)).attendances == 1
    return aid, copy


async def test_the_guide_drops_stored_attendances_from_a_restored_copy(
    api: httpx.AsyncClient,
    runtime: Runtime,
    make_user: MakeUser,
    redis: AnyRedis,
    redis_url: str,
    postgres_url: str,
    tmp_path: Path,
) -> None:
    teacher, other_teacher = await make_user("teacher"), await make_user("teacher")
    present, leaving = await make_user("student"), await make_user("student")
    live = (await start(api, other_teacher))["attendance_id"]
    live_keys = await key_names(redis, live)
    stored, copy = await stored_with_a_copy(api, runtime, redis, teacher, [present, leaving])
    corrected = await api.post(
        url(stored, "records", leaving.user_number, "reject"),
        json={"reason": "left early"},
        headers=teacher.headers,
    )
    assert corrected.status_code == 200, corrected.text
    for name, value in copy:  # the copy is restored, due entry included
        await redis.restore(name, 0, value, replace=True)
    await redis.zadd(keys.due(), {stored: 0})

    script = guide_lines(tmp_path, redis_url, postgres_url)
    shell = await asyncio.create_subprocess_exec(
        "bash",
        "-c",
        f"set -euo pipefail\n{script}",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, errors = await asyncio.wait_for(shell.communicate(), 60)
    assert shell.returncode == 0, errors.decode()

    assert await key_names(redis, stored) == []
    assert await key_names(redis, live) == live_keys
    assert (await persist(runtime)).attendances == 0
    records = await api.get(url(stored, "records"), headers=teacher.headers)
    mine = {r["student_number"]: r for r in records.json()["records"]}
    assert (mine[leaving.user_number]["status"], mine[leaving.user_number]["decision_reason"]) == (
        "rejected",
        "left early",
    )


async def key_names(redis: AnyRedis, aid: str) -> list[str]:
    return sorted([name async for name in redis.scan_iter(match=f"attn:att:{{{aid}}}:*")])
