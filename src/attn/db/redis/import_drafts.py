"""CSV files an admin is previewing before the import (the admin pages' upload → preview →
confirm): kept briefly, taken once."""

from __future__ import annotations

from typing import cast

from attn.db import keys
from attn.db.redis.base import RedisBase


class ImportDraftsMixin(RedisBase):
    async def save_import_draft(
        self, admin_number: str, draft_id: str, payload: str, ttl: int
    ) -> None:
        """Keep ``payload`` (the draft's JSON) for ``ttl`` seconds."""
        if ttl <= 0:
            raise ValueError("ttl must be a positive number of seconds")
        await self._redis.set(keys.import_draft(admin_number, draft_id), payload, ex=ttl)

    async def import_draft(self, admin_number: str, draft_id: str) -> str | None:
        """The draft's JSON, None when it expired or was taken (or is another admin's)."""
        raw = await self._redis.get(keys.import_draft(admin_number, draft_id))
        return cast("str | None", raw)

    async def take_import_draft(self, admin_number: str, draft_id: str) -> str | None:
        """Read and delete the draft in one step: of two confirmations, one gets it."""
        key = keys.import_draft(admin_number, draft_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.get(key)
            pipe.delete(key)
            raw, _deleted = await pipe.execute()
        return cast("str | None", raw)
