"""QR scan tickets (docs/security.md#scan-tickets): stored at the scan, taken once."""

from __future__ import annotations

from uuid import UUID

from pydantic import ValidationError

from attn.db import keys
from attn.db.redis.base import RedisBase
from attn.models.redis import DeviceId, RedisModel
from attn.models.types import UtcDateTime


class ScanRedis(RedisModel):
    """One QR scan: the code the link carried, when the server saw it, and on which device."""

    code: str
    scanned_at: UtcDateTime
    device_id: DeviceId


class ScanTicketsMixin(RedisBase):
    async def save_scan(
        self, attendance_id: UUID | str, ticket_hash: str, scan: ScanRedis, ttl: int
    ) -> None:
        """Keep one scan for ``ttl`` seconds under its ticket's hash."""
        if ttl <= 0:
            raise ValueError("ttl must be a positive number of seconds")
        key = keys.scan_ticket(attendance_id, ticket_hash)
        await self._redis.set(key, scan.to_json(), ex=ttl)

    async def take_scan(self, attendance_id: UUID | str, ticket_hash: str) -> ScanRedis | None:
        """The scan, deleted in the same step (GETDEL): a ticket works once, however many
        requests race with it; None if unknown, used or expired."""
        raw = await self._redis.getdel(keys.scan_ticket(attendance_id, ticket_hash))
        if raw is None:
            return None
        try:
            return ScanRedis.from_json(raw)
        except ValidationError:
            return None  # not a scan this version wrote: as good as none
