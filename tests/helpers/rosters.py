"""The live channel's ``roster`` events of an attendance, read straight from its stream."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from attn.db import keys
from attn.db.redis_connection import AnyRedis


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


async def roster_events(redis: AnyRedis, attendance_id: UUID | str) -> list[dict[str, Any]]:
    """The data of every ``roster`` event, oldest first."""
    found = []
    for _id, fields in await redis.xrange(keys.events(attendance_id)) or []:
        named = {_text(name): value for name, value in (fields or {}).items()}
        if _text(named["event"]) == "roster":
            found.append(json.loads(named["data"]))
    return found
