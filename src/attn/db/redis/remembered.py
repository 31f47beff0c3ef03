"""A student's remembered phone: one credential per student, rotated by compare-and-set
together with the session it opens (docs/design.md#sessions)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from pydantic import ValidationError

from attn.db import keys
from attn.db.outcomes import KeptChanging
from attn.db.redis.base import MAX_CAS_ATTEMPTS, RedisBase, epoch_seconds, text
from attn.db.redis.sessions import joined_ids, live_sessions, not_ended, wall_now
from attn.models import RememberedDeviceRedis, UserRedis

Rotation = Callable[[RememberedDeviceRedis | None], tuple[RememberedDeviceRedis, UserRedis]]
"""The service's decision on a stored credential (None: there is none): the rotated
credential and the session it opens, or an exception to refuse."""


class RememberedMixin(RedisBase):
    async def remember_device(self, device: RememberedDeviceRedis, ttl: int) -> None:
        """Store the student's remembered phone for ``ttl`` seconds, replacing any other."""
        if ttl <= 0:
            raise ValueError("ttl must be a positive number of seconds")
        await self._redis.set(keys.remembered_device(device.user_number), device.to_json(), ex=ttl)

    async def remembered_device(self, user_number: str) -> RememberedDeviceRedis | None:
        return _readable(await self._redis.get(keys.remembered_device(user_number)))

    async def resume_remembered(
        self, user_number: str, rotate: Rotation, ttl: int, *, keep: int
    ) -> UserRedis:
        """Replace the student's credential with the one ``rotate`` makes of it and open the
        session it gives for ``ttl`` seconds, ending the oldest sessions so that at most
        ``keep`` others remain; both in one step (``resume_session.lua``), two round trips.

        ``rotate`` sees the credential as it is now; whatever changed it or the session
        index before the write (another use of the same secret, an admin's rename, a
        login) makes it see the new state, so a secret can open one session only, and
        whatever ``rotate`` raises to refuse reaches the caller with nothing written."""
        if ttl <= 0:
            raise ValueError("ttl must be a positive number of seconds")
        device_key = keys.remembered_device(user_number)
        for _attempt in range(MAX_CAS_ATTEMPTS):
            now = wall_now()
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.get(device_key)
                pipe.zrangebyscore(
                    keys.user_sessions(user_number), *not_ended(now), withscores=True
                )
                raw, members = await pipe.execute()
            rotated, session = rotate(_readable(raw))
            live = live_sessions(members)
            ending = [session_id for session_id, _end in live[: max(0, len(live) - keep)]]
            if await self._resume(text(raw), rotated, session, ttl, now, live, ending):
                return session
        raise KeptChanging(f"the remembered phone of {user_number}")

    async def _resume(
        self,
        read: str,
        rotated: RememberedDeviceRedis,
        session: UserRedis,
        ttl: int,
        now: datetime,
        live: list[tuple[str, float]],
        ending: list[str],
    ) -> bool:
        """``resume_session.lua``; False when the credential or the index changed since
        they were read (nothing written)."""
        user_number = session.user_number
        new_id = keys.session_id(session.token_hash)
        outcome = await self._scripts.resume_session(
            keys=[
                keys.remembered_device(user_number),
                keys.user_sessions(user_number),
                keys.user_session(user_number, new_id),
                *(keys.user_session(user_number, session_id) for session_id in ending),
            ],
            args=[
                read,
                rotated.to_json(),
                epoch_seconds(now),
                joined_ids(session_id for session_id, _end in live),
                new_id,
                session.to_json(),
                ttl,
                epoch_seconds(now + timedelta(seconds=ttl)),
                *ending,
            ],
        )
        return text(outcome) == "ok"

    async def rename_remembered(self, user_number: str, full_name: str) -> bool:
        """Give the student's remembered phone the directory's name, keeping its TTL, so the
        sessions it opens carry it; False when there is none."""
        key = keys.remembered_device(user_number)
        for _attempt in range(MAX_CAS_ATTEMPTS):
            raw = await self._redis.get(key)
            current = _readable(raw)
            if raw is None or current is None:
                return False
            renamed = current.model_copy(update={"full_name": full_name})
            outcome = text(
                await self._scripts.replace_session(keys=[key], args=[text(raw), renamed.to_json()])
            )
            if outcome != "changed":
                return outcome == "ok"
        raise KeptChanging(f"the remembered phone of {user_number}")

    async def forget_device(self, user_number: str) -> bool:
        """Revoke the student's remembered phone; True if there was one."""
        return bool(await self._redis.delete(keys.remembered_device(user_number)))


def _readable(raw: str | bytes | None) -> RememberedDeviceRedis | None:
    """The stored credential; None without one, and for one stored before credentials kept
    the student's name (it cannot open a session: the student logs in once with the
    password, which stores a new one)."""
    if raw is None:
        return None
    try:
        return RememberedDeviceRedis.from_json(raw)
    except ValidationError:
        return None
