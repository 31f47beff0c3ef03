"""Login sessions: one ``UserRedis`` per user, expiring by Redis TTL (DESIGN §7)."""

from __future__ import annotations

from attn.db import keys
from attn.db.redis.base import RedisBase
from attn.models import UserRedis


class SessionsMixin(RedisBase):
    async def save_user_session(self, user: UserRedis, ttl: int) -> None:
        """Store (or replace: one live session per user) a login for ``ttl`` seconds."""
        if ttl <= 0:
            raise ValueError("ttl must be a positive number of seconds")
        await self._redis.set(keys.user_session(user.user_number), user.to_json(), ex=ttl)

    async def get_user_session(self, user_number: str) -> UserRedis | None:
        raw = await self._redis.get(keys.user_session(user_number))
        return None if raw is None else UserRedis.from_json(raw)

    async def delete_user_session(self, user_number: str) -> bool:
        """End whatever session the user has (an admin's action); True if there was one."""
        return bool(await self._redis.delete(keys.user_session(user_number)))

    async def end_user_session(self, user: UserRedis) -> bool:
        """Logout of this login only: a newer login that replaced it meanwhile stays; True
        if it was ended. An unreadable session is ended too (it cannot be anyone's)."""
        result = await self._scripts.end_session(
            keys=[keys.user_session(user.user_number)], args=[user.token_hash]
        )
        return bool(result)

    async def refresh_user_session(self, user: UserRedis, ttl: int) -> bool:
        """Extend a session unless a newer login replaced it meanwhile; True if extended."""
        if ttl <= 0:
            raise ValueError("ttl must be a positive number of seconds")
        result = await self._scripts.refresh_session(
            keys=[keys.user_session(user.user_number)],
            args=[user.token_hash, user.to_json(), ttl],
        )
        return bool(result)
