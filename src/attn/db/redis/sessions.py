"""Login sessions: one ``UserRedis`` per user, expiring by Redis TTL
(docs/design.md#sessions)."""

from __future__ import annotations

from attn.db import keys
from attn.db.outcomes import KeptChanging
from attn.db.redis.base import MAX_CAS_ATTEMPTS, RedisBase, text
from attn.models import Role, UserRedis


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

    async def refresh_user_session(self, user: UserRedis, ttl: int, *, read: UserRedis) -> bool:
        """Extend a session (``read`` is the session as the caller read it) unless a newer
        login replaced it meanwhile; True while it is still this login. A session changed
        since ``read`` (an admin's edit) is left as it is, not extended this time."""
        if ttl <= 0:
            raise ValueError("ttl must be a positive number of seconds")
        result = await self._scripts.refresh_session(
            keys=[keys.user_session(user.user_number)],
            args=[user.token_hash, user.to_json(), ttl, read.to_json()],
        )
        return bool(result)

    async def update_session_identity(self, user_number: str, full_name: str, role: Role) -> bool:
        """Give the user's live session the directory's name and role, keeping its TTL (an
        admin's edit takes effect at once); False when the user has no session."""
        key = keys.user_session(user_number)
        for _attempt in range(MAX_CAS_ATTEMPTS):
            raw = await self._redis.get(key)
            if raw is None:
                return False
            current = UserRedis.from_json(raw)
            updated = UserRedis.model_validate(
                {**current.model_dump(), "full_name": full_name, "role": role}
            )
            outcome = text(
                await self._scripts.replace_session(keys=[key], args=[text(raw), updated.to_json()])
            )
            if outcome != "changed":
                return outcome == "ok"
        raise KeptChanging(f"the session of {user_number}")
