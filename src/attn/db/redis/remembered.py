"""A student's remembered phone: one credential per student, replaced by compare-and-set
(docs/design.md#sessions)."""

from __future__ import annotations

from attn.db import keys
from attn.db.redis.base import RedisBase, text
from attn.models import RememberedDeviceRedis


class RememberedMixin(RedisBase):
    async def remember_device(self, device: RememberedDeviceRedis, ttl: int) -> None:
        """Store the student's remembered phone for ``ttl`` seconds, replacing any other."""
        if ttl <= 0:
            raise ValueError("ttl must be a positive number of seconds")
        await self._redis.set(keys.remembered_device(device.user_number), device.to_json(), ex=ttl)

    async def remembered_device(self, user_number: str) -> RememberedDeviceRedis | None:
        raw = await self._redis.get(keys.remembered_device(user_number))
        return None if raw is None else RememberedDeviceRedis.from_json(raw)

    async def rotate_remembered_device(
        self, read: RememberedDeviceRedis, rotated: RememberedDeviceRedis
    ) -> bool:
        """Replace the credential with ``rotated`` only if it is still exactly ``read`` (two
        uses of one cookie at once: one wins, the other is a replay), keeping its TTL."""
        outcome = await self._scripts.replace_session(
            keys=[keys.remembered_device(read.user_number)],
            args=[read.to_json(), rotated.to_json()],
        )
        return text(outcome) == "ok"

    async def forget_device(self, user_number: str) -> bool:
        """Revoke the student's remembered phone; True if there was one."""
        return bool(await self._redis.delete(keys.remembered_device(user_number)))
