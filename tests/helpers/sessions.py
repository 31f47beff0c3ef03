"""Finding a login's Redis key from a test: each session's key is named by its token."""

from __future__ import annotations

from typing import cast

from attn.db import keys
from attn.db.redis.base import text
from attn.db.redis_connection import AnyRedis
from attn.models import UserRedis
from attn.services.accounts.auth import hash_secret


def key_of(user: UserRedis) -> str:
    """The key of the session ``user`` is."""
    return keys.user_session(user.user_number, keys.session_id(user.token_hash))


def key_of_token(token: str) -> str:
    """The key of the session a bearer token ``<user_number>.<secret>`` opened."""
    user_number, _, secret = token.rpartition(".")
    return keys.user_session(user_number, keys.session_id(hash_secret(secret)))


async def newest_key(redis: AnyRedis, user_number: str) -> str:
    """The key of the user's session that ends last; a key that does not exist if the
    user has none (so ``exists`` on it answers 0)."""
    newest = cast(list[str], await redis.zrange(keys.user_sessions(user_number), -1, -1))
    return keys.user_session(user_number, text(newest[0]) if newest else "none")
