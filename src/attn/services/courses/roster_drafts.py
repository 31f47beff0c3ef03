"""The pages' roster import in two steps: the preview (every row to create, enrol or leave,
every problem by line; nothing written), then the confirmation, which imports the very file
previewed.

Between the two the file waits in Redis (the import drafts of
:mod:`attn.services.accounts.import_preview`, same key kind and TTL) under the uploader's
number, with the course it is for, so only they can confirm it, once, for that course.
"""

from __future__ import annotations

import base64
import json
import secrets
from uuid import UUID

from attn.db.redis_client import RedisClient
from attn.services.accounts.import_preview import DRAFT_ID, DRAFT_TTL

KIND = "roster"


async def stage(redis: RedisClient, user_number: str, course_id: UUID, data: bytes) -> str:
    """Keep the uploaded file for the confirmation; the draft's id."""
    draft_id = secrets.token_hex(16)
    payload = {
        "kind": KIND,
        "course_id": str(course_id),
        "csv": base64.b64encode(data).decode("ascii"),
    }
    await redis.save_import_draft(user_number, draft_id, json.dumps(payload), DRAFT_TTL)
    return draft_id


async def staged(
    redis: RedisClient, user_number: str, course_id: UUID, draft_id: str, *, take: bool = False
) -> bytes | None:
    """The file of the user's draft for this course (taken: deleted, so it imports once);
    None when it expired, was confirmed already, is another user's or another course's."""
    if not DRAFT_ID.match(draft_id):
        return None
    raw = await redis.import_draft(user_number, draft_id)
    if raw is None:
        return None
    payload = json.loads(raw)
    if payload.get("kind") != KIND or payload.get("course_id") != str(course_id):
        return None
    if take and await redis.take_import_draft(user_number, draft_id) is None:
        return None  # a second confirmation took it meanwhile
    return base64.b64decode(payload["csv"])
