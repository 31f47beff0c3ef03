"""The device check: device id validation, the claim made atomically by the check-in
script in real Redis, and the teacher's view of shared devices."""

from __future__ import annotations

import asyncio
from uuid import UUID, uuid4

import pytest

from attn.db import keys
from attn.db.redis_client import RedisClient
from attn.db.redis_connection import AnyRedis
from attn.errors import InvalidInput, NotFound
from attn.models import AttendanceRecordRedis, RecordStatus
from attn.models.types import utcnow
from attn.services.security.devices import DEVICE_REUSED, validate_device_id
from tests.helpers.factories import make_lesson, make_record
from tests.helpers.outcomes import refused_as

PHONE = "phone-0001"


async def live_attendance(client: RedisClient) -> UUID:
    lesson = make_lesson()
    await client.create_lesson(lesson, due_at=lesson.ends_at)
    return lesson.attendance_id


async def check_in(
    client: RedisClient,
    aid: UUID,
    student: str,
    device: str = PHONE,
    status: RecordStatus = RecordStatus.PRESENT,
    fail_reason: str | None = None,
) -> AttendanceRecordRedis:
    """A check-in with the device check on; the stored record."""
    record = make_record(
        aid, student_number=student, status=status, fail_reason=fail_reason, device_id=device
    )
    result = await client.check_in(record, utcnow(), device_taken_reason=DEVICE_REUSED)
    return result.record


class TestValidateDeviceId:
    @pytest.mark.parametrize(
        "value",
        [
            "abcdefgh",
            "A" * 128,
            "d5f1c9e2-7a3b-4c8d-9e0f-123456789abc",
            "web:v1.x_y-z",
            " phone-01 ",
        ],
    )
    def test_valid(self, value: str) -> None:
        assert validate_device_id(value, required=True) == value.strip()

    @pytest.mark.parametrize(
        "value", ["short", "A" * 129, "has space1", "semi;colon", "ünïcode12", "slash/1234"]
    )
    def test_malformed_is_refused_even_when_not_required(self, value: str) -> None:
        for required in (True, False):
            with pytest.raises(InvalidInput) as info:
                validate_device_id(value, required=required)
            assert info.value.code == "device_id_invalid"

    @pytest.mark.parametrize("value", [None, "", "   "])
    def test_missing(self, value: str | None) -> None:
        assert validate_device_id(value, required=False) is None
        with pytest.raises(InvalidInput) as info:
            validate_device_id(value, required=True)
        assert info.value.code == "device_id_required"


class TestClaimInTheCheckIn:
    async def test_first_student_claims_the_device(self, redis_client: RedisClient) -> None:
        aid = await live_attendance(redis_client)
        record = await check_in(redis_client, aid, "S1")
        assert (record.status, record.device_id) == (RecordStatus.PRESENT, PHONE)
        assert await redis_client.device_holders(aid) == {PHONE: "S1"}

    async def test_same_student_again_is_fine(self, redis_client: RedisClient) -> None:
        aid = await live_attendance(redis_client)
        await check_in(redis_client, aid, "S1", status=RecordStatus.REJECTED, fail_reason="x_y")
        await check_in(redis_client, aid, "S1")  # replaces the rejected attempt
        assert await redis_client.device_holders(aid) == {PHONE: "S1"}
        assert await redis_client.device_sharing(aid) == {}

    async def test_another_student_is_rejected_and_the_holder_kept(
        self, redis_client: RedisClient
    ) -> None:
        aid = await live_attendance(redis_client)
        await check_in(redis_client, aid, "S1")
        record = await check_in(redis_client, aid, "S2")
        assert (record.status, record.fail_reason) == (RecordStatus.REJECTED, DEVICE_REUSED)
        assert await redis_client.device_holders(aid) == {PHONE: "S1"}

    async def test_a_pending_record_is_rejected_too(self, redis_client: RedisClient) -> None:
        aid = await live_attendance(redis_client)
        await check_in(redis_client, aid, "S1", status=RecordStatus.PENDING)
        record = await check_in(redis_client, aid, "S2", status=RecordStatus.PENDING)
        assert (record.status, record.fail_reason) == (RecordStatus.REJECTED, DEVICE_REUSED)

    async def test_a_record_failing_another_check_claims_nothing(
        self, redis_client: RedisClient
    ) -> None:
        """S1's wrong code must not lock S2 out of the phone they then pass on."""
        aid = await live_attendance(redis_client)
        failed = await check_in(
            redis_client, aid, "S1", status=RecordStatus.REJECTED, fail_reason="code_invalid"
        )
        assert failed.fail_reason == "code_invalid"
        assert await redis_client.device_holders(aid) == {}
        assert (await check_in(redis_client, aid, "S2")).status is RecordStatus.PRESENT
        assert await redis_client.device_holders(aid) == {PHONE: "S2"}
        assert await redis_client.device_sharing(aid) == {PHONE: ["S2", "S1"]}

    async def test_one_student_may_use_two_devices(self, redis_client: RedisClient) -> None:
        """The rule limits students per device, not devices per student (a dead phone)."""
        aid = await live_attendance(redis_client)
        await check_in(redis_client, aid, "S1", status=RecordStatus.REJECTED, fail_reason="x_y")
        record = await check_in(redis_client, aid, "S1", device="laptop-0001")
        assert (record.status, record.attempt_count) == (RecordStatus.PRESENT, 2)

    async def test_devices_are_per_attendance(self, redis_client: RedisClient) -> None:
        first, second = await live_attendance(redis_client), await live_attendance(redis_client)
        await check_in(redis_client, first, "S1")
        assert (await check_in(redis_client, second, "S2")).status is RecordStatus.PRESENT

    async def test_a_kept_record_writes_nothing(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        """A repeated tap of a present student is read-only: no claim, no attempt noted."""
        aid = await live_attendance(redis_client)
        await check_in(redis_client, aid, "S1", device="phone-0002")
        version = await redis.get(keys.version(aid))
        record = await check_in(redis_client, aid, "S1")
        assert (record.status, record.device_id) == (RecordStatus.PRESENT, "phone-0002")
        assert await redis.get(keys.version(aid)) == version
        assert await redis_client.device_holders(aid) == {"phone-0002": "S1"}

    async def test_concurrent_check_ins_have_one_winner(self, redis_client: RedisClient) -> None:
        aid = await live_attendance(redis_client)
        students = [f"S{n}" for n in range(20)]
        records = await asyncio.gather(*(check_in(redis_client, aid, s) for s in students))
        winners = [r.student_number for r in records if r.status is RecordStatus.PRESENT]
        assert len(winners) == 1
        assert {r.fail_reason for r in records if r.student_number != winners[0]} == {DEVICE_REUSED}
        sharing = await redis_client.device_sharing(aid)
        assert sharing[PHONE][0] == winners[0]
        assert sorted(sharing[PHONE]) == sorted(students)

    async def test_not_live_attendance_writes_nothing(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        aid = uuid4()
        with refused_as(NotFound) as info:
            await check_in(redis_client, aid, "S1")
        assert info.value.code == "attendance_not_live"
        assert not await redis.exists(keys.devices(aid), keys.device_attempts(aid))

    async def test_the_device_id_is_required(self, redis_client: RedisClient) -> None:
        aid = await live_attendance(redis_client)
        with pytest.raises(ValueError, match="device_id"):
            await redis_client.check_in(
                make_record(aid), utcnow(), device_taken_reason=DEVICE_REUSED
            )


class TestDeviceSharing:
    async def test_lists_every_student_who_tried_holder_first(
        self, redis_client: RedisClient
    ) -> None:
        aid = await live_attendance(redis_client)
        await check_in(redis_client, aid, "S1")
        await check_in(redis_client, aid, "S2")
        await check_in(redis_client, aid, "S3")
        await check_in(redis_client, aid, "S2")  # again: listed once
        await check_in(redis_client, aid, "S4", device="phone-0002")  # alone: not shared
        assert await redis_client.device_sharing(aid) == {PHONE: ["S1", "S2", "S3"]}
        assert await redis_client.device_holder(aid, PHONE) == "S1"
        assert await redis_client.device_holder(aid, "phone-0003") is None

    async def test_empty_for_unknown_attendance(self, redis_client: RedisClient) -> None:
        assert await redis_client.device_sharing(uuid4()) == {}

    async def test_persistence_removes_device_keys(self) -> None:
        aid = uuid4()
        assert {keys.devices(aid), keys.device_attempts(aid)} <= set(keys.attendance_keys(aid))
