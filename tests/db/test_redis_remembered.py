"""A remembered phone's resume (``resume_session.lua``) and rename against a real Redis,
single server and cluster: rotation and the new session in one compare-and-set."""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
from collections.abc import Callable
from datetime import timedelta

import pytest

from attn.db import keys
from attn.db.redis.base import lua_source
from attn.db.redis_client import RedisClient
from attn.db.redis_connection import AnyRedis
from attn.errors import RememberInvalid
from attn.models import RememberedDeviceRedis, UserRedis
from attn.models.types import utcnow
from tests.helpers.factories import make_user
from tests.helpers.sessions import key_of

STUDENT = "S2001"
TTL = 600
REMEMBER_TTL = 86_400


def a_hash() -> str:
    return hashlib.sha256(secrets.token_bytes(32)).hexdigest()


def make_device(**overrides: object) -> RememberedDeviceRedis:
    now = utcnow()
    return RememberedDeviceRedis.model_validate(
        {
            "user_number": STUDENT,
            "full_name": "Ali Veli",
            "family_id": secrets.token_hex(16),
            "device_id": "phone-0001-aaaa",
            "secret_hash": a_hash(),
            "issued_at": now,
            "expires_at": now + timedelta(days=1),
            **overrides,
        }
    )


def rotating(
    expected_secret: str, calls: list[RememberedDeviceRedis | None] | None = None
) -> Callable[[RememberedDeviceRedis | None], tuple[RememberedDeviceRedis, UserRedis]]:
    """A rotation that accepts only a credential whose current secret is ``expected_secret``
    (as the service checks the presented one), recording what it was shown."""

    def rotate(stored: RememberedDeviceRedis | None) -> tuple[RememberedDeviceRedis, UserRedis]:
        if calls is not None:
            calls.append(stored)
        if stored is None or stored.secret_hash != expected_secret:
            raise RememberInvalid("not this secret")
        rotated = stored.model_copy(
            update={"secret_hash": a_hash(), "used_hashes": [stored.secret_hash]}
        )
        return rotated, make_user(user_number=STUDENT, full_name=stored.full_name, ttl=TTL)

    return rotate


@pytest.fixture
async def device(redis_client: RedisClient) -> RememberedDeviceRedis:
    stored = make_device()
    await redis_client.remember_device(stored, REMEMBER_TTL)
    return stored


class TestResume:
    async def test_rotates_keeping_the_ttl_and_opens_the_only_session(
        self, redis_client: RedisClient, redis: AnyRedis, device: RememberedDeviceRedis
    ) -> None:
        old = make_user(user_number=STUDENT)
        await redis_client.open_user_session(old, TTL, keep=0)
        await redis.expire(keys.remembered_device(STUDENT), 5000)
        session = await redis_client.resume_remembered(
            STUDENT, rotating(device.secret_hash), TTL, keep=0
        )
        stored = await redis_client.remembered_device(STUDENT)
        assert stored is not None
        assert stored.secret_hash != device.secret_hash
        assert stored.used_hashes == [device.secret_hash]
        assert 4990 <= await redis.ttl(keys.remembered_device(STUDENT)) <= 5000
        assert await redis_client.user_sessions(STUDENT) == [session]
        assert await redis.exists(key_of(old)) == 0
        assert TTL - 10 <= await redis.ttl(key_of(session)) <= TTL
        assert await redis.ttl(keys.user_sessions(STUDENT)) >= TTL - 10

    async def test_a_refusal_writes_nothing(
        self, redis_client: RedisClient, redis: AnyRedis, device: RememberedDeviceRedis
    ) -> None:
        before = await redis.get(keys.remembered_device(STUDENT))
        with pytest.raises(RememberInvalid):
            await redis_client.resume_remembered(STUDENT, rotating(a_hash()), TTL, keep=0)
        assert await redis.get(keys.remembered_device(STUDENT)) == before
        assert await redis.exists(keys.user_sessions(STUDENT)) == 0

    async def test_without_a_credential_the_rotation_sees_none(
        self, redis_client: RedisClient
    ) -> None:
        calls: list[RememberedDeviceRedis | None] = []
        with pytest.raises(RememberInvalid):
            await redis_client.resume_remembered(STUDENT, rotating(a_hash(), calls), TTL, keep=0)
        assert calls == [None]

    async def test_two_uses_of_one_secret_at_once_open_one_session(
        self, redis_client: RedisClient, redis: AnyRedis, device: RememberedDeviceRedis
    ) -> None:
        uses = [
            redis_client.resume_remembered(STUDENT, rotating(device.secret_hash), TTL, keep=0)
            for _ in range(8)
        ]
        outcomes = await asyncio.gather(*uses, return_exceptions=True)
        won = [outcome for outcome in outcomes if isinstance(outcome, UserRedis)]
        assert len(won) == 1
        assert all(isinstance(o, RememberInvalid) for o in outcomes if o is not won[0])
        assert await redis_client.user_sessions(STUDENT) == won
        stored = await redis_client.remembered_device(STUDENT)
        assert stored is not None
        assert stored.used_hashes == [device.secret_hash]

    async def test_a_rename_at_the_same_time_is_kept_and_so_is_the_rotation(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        for round_ in range(10):
            device = make_device(full_name="Ali Veli")
            await redis_client.remember_device(device, REMEMBER_TTL)
            resumed, _renamed = await asyncio.gather(
                redis_client.resume_remembered(STUDENT, rotating(device.secret_hash), TTL, keep=0),
                redis_client.rename_remembered(STUDENT, f"Ayşe Veli {round_}"),
            )
            stored = await redis_client.remembered_device(STUDENT)
            assert stored is not None
            assert stored.full_name == f"Ayşe Veli {round_}"
            assert stored.used_hashes == [device.secret_hash]
            assert await redis_client.user_sessions(STUDENT) == [resumed]

    async def test_a_login_at_the_same_time_leaves_one_session(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        for _round in range(10):
            device = make_device()
            await redis_client.remember_device(device, REMEMBER_TTL)
            other = make_user(user_number=STUDENT)
            resumed, _opened = await asyncio.gather(
                redis_client.resume_remembered(STUDENT, rotating(device.secret_hash), TTL, keep=0),
                redis_client.open_user_session(other, TTL, keep=0),
            )
            living = await redis_client.user_sessions(STUDENT)
            assert len(living) == 1
            assert living[0] in (resumed, other)
            assert await redis.zcard(keys.user_sessions(STUDENT)) == 1


class TestResumeScript:
    """``resume_session.lua`` itself: a compare-and-set of the credential and the index."""

    async def call(
        self, redis: AnyRedis, read: str, live: str, ending: list[UserRedis] | None = None
    ) -> tuple[object, UserRedis]:
        script = redis.register_script(lua_source("resume_session"))
        session = make_user(user_number=STUDENT)
        ending = ending or []
        now = utcnow().timestamp()
        outcome = await script(
            keys=[
                keys.remembered_device(STUDENT),
                keys.user_sessions(STUDENT),
                key_of(session),
                *map(key_of, ending),
            ],
            args=[
                read,
                make_device().to_json(),
                now,
                live,
                keys.session_id(session.token_hash),
                session.to_json(),
                TTL,
                now + TTL,
                *(keys.session_id(user.token_hash) for user in ending),
            ],
        )
        return outcome, session

    async def test_a_credential_not_as_read_writes_nothing(
        self, redis: AnyRedis, device: RememberedDeviceRedis
    ) -> None:
        before = await redis.get(keys.remembered_device(STUDENT))
        outcome, session = await self.call(redis, make_device().to_json(), "")
        assert outcome == "changed"
        assert await redis.get(keys.remembered_device(STUDENT)) == before
        assert await redis.exists(key_of(session), keys.user_sessions(STUDENT)) == 0

    async def test_a_missing_credential_is_changed(self, redis: AnyRedis) -> None:
        outcome, session = await self.call(redis, make_device().to_json(), "")
        assert outcome == "changed"
        assert await redis.exists(key_of(session), keys.remembered_device(STUDENT)) == 0

    async def test_an_index_not_as_read_writes_nothing(
        self, redis_client: RedisClient, redis: AnyRedis, device: RememberedDeviceRedis
    ) -> None:
        other = make_user(user_number=STUDENT)
        await redis_client.open_user_session(other, TTL, keep=0)
        before = await redis.get(keys.remembered_device(STUDENT))
        outcome, session = await self.call(redis, device.to_json(), "")
        assert outcome == "index"
        assert await redis.get(keys.remembered_device(STUDENT)) == before
        assert await redis_client.user_sessions(STUDENT) == [other]
        assert await redis.exists(key_of(session)) == 0

    async def test_as_read_it_rotates_and_ends_the_sessions_named(
        self, redis_client: RedisClient, redis: AnyRedis, device: RememberedDeviceRedis
    ) -> None:
        other = make_user(user_number=STUDENT)
        await redis_client.open_user_session(other, TTL, keep=0)
        live = keys.session_id(other.token_hash)
        outcome, session = await self.call(redis, device.to_json(), live, ending=[other])
        assert outcome == "ok"
        assert await redis.get(keys.remembered_device(STUDENT)) != device.to_json()
        assert await redis_client.user_sessions(STUDENT) == [session]
        assert await redis.exists(key_of(other)) == 0


class TestRename:
    async def test_renames_keeping_the_ttl(
        self, redis_client: RedisClient, redis: AnyRedis, device: RememberedDeviceRedis
    ) -> None:
        await redis.expire(keys.remembered_device(STUDENT), 5000)
        assert await redis_client.rename_remembered(STUDENT, "Ayşe Veli") is True
        stored = await redis_client.remembered_device(STUDENT)
        assert stored == device.model_copy(update={"full_name": "Ayşe Veli"})
        assert 4990 <= await redis.ttl(keys.remembered_device(STUDENT)) <= 5000

    async def test_without_a_remembered_phone_nothing_is_written(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        assert await redis_client.rename_remembered(STUDENT, "Ayşe Veli") is False
        assert await redis.exists(keys.remembered_device(STUDENT)) == 0


async def test_a_credential_stored_without_a_name_reads_as_none(
    redis_client: RedisClient, redis: AnyRedis, device: RememberedDeviceRedis
) -> None:
    older = json.loads(device.to_json())
    del older["full_name"]
    await redis.set(keys.remembered_device(STUDENT), json.dumps(older), ex=REMEMBER_TTL)
    assert await redis_client.remembered_device(STUDENT) is None
    calls: list[RememberedDeviceRedis | None] = []
    with pytest.raises(RememberInvalid):
        await redis_client.resume_remembered(
            STUDENT, rotating(device.secret_hash, calls), TTL, keep=0
        )
    assert calls == [None]
