"""Login sessions: one ``UserRedis`` per login (per device), expiring by Redis TTL, and an
index of each user's sessions (docs/design.md#sessions).

A session's key is named by its token's hash (:func:`attn.db.keys.session_id`), so a
request reads its session in one GET. The index (a sorted set scored by each session's
end) is what lets a login end the oldest sessions beyond the role's limit, and logout
everywhere end them all; every change to it is a compare-and-set in one script.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import cast

from attn.db import keys
from attn.db.outcomes import KeptChanging, LoginsBlocked
from attn.db.redis.base import MAX_CAS_ATTEMPTS, RedisBase, epoch_seconds, text
from attn.models import Role, UserRedis

LOGINS_BLOCKED = -1
"""``lua/open_session.lua``'s answer while the account is being deactivated."""


class SessionsMixin(RedisBase):
    async def save_user_session(self, user: UserRedis, ttl: int) -> None:
        """Store a login for ``ttl`` seconds as the user's only session (it replaces any
        other): the one-session rule of a student. See :meth:`open_user_session`."""
        await self.open_user_session(user, ttl, keep=0)

    async def open_user_session(self, user: UserRedis, ttl: int, *, keep: int) -> None:
        """Store a new login for ``ttl`` seconds, ending the user's oldest sessions so that
        at most ``keep`` others remain with it (``keep=0``: a student's new phone ends the
        old one). :class:`LoginsBlocked` while the account is being deactivated
        (:meth:`block_logins`)."""
        if ttl <= 0:
            raise ValueError("ttl must be a positive number of seconds")
        index = keys.user_sessions(user.user_number)
        new_id = keys.session_id(user.token_hash)
        for _attempt in range(MAX_CAS_ATTEMPTS):
            now = wall_now()
            live = await self._live_sessions(user.user_number, now)
            ending = [session for session, _end in live[: max(0, len(live) - keep)]]
            opened = await self._scripts.open_session(
                keys=[
                    index,
                    keys.logins_blocked(user.user_number),
                    keys.user_session(user.user_number, new_id),
                    *(keys.user_session(user.user_number, session) for session in ending),
                ],
                args=[
                    epoch_seconds(now),
                    joined_ids(session for session, _end in live),
                    new_id,
                    user.to_json(),
                    ttl,
                    epoch_seconds(now + timedelta(seconds=ttl)),
                    *ending,
                ],
            )
            if opened == LOGINS_BLOCKED:
                raise LoginsBlocked(user.user_number)
            if opened:
                return
        raise KeptChanging(f"the sessions of {user.user_number}")

    async def block_logins(self, user_number: str, seconds: int) -> None:
        """No new session for the user for ``seconds`` (a deactivation under way); the
        block is lifted by :meth:`unblock_logins` or by its TTL."""
        await self._redis.set(keys.logins_blocked(user_number), "1", ex=seconds)

    async def unblock_logins(self, user_number: str) -> None:
        await self._redis.delete(keys.logins_blocked(user_number))

    async def get_user_session(
        self, user_number: str, token_hash: str | None = None
    ) -> UserRedis | None:
        """The session the token of ``token_hash`` opened, if it is still there; without a
        hash, the user's session that ends last (None without any)."""
        if token_hash is None:
            sessions = await self.user_sessions(user_number)
            return sessions[0] if sessions else None
        raw = await self._redis.get(keys.user_session(user_number, keys.session_id(token_hash)))
        return None if raw is None else UserRedis.from_json(raw)

    async def user_sessions(self, user_number: str) -> list[UserRedis]:
        """Every live session of the user, the newest end first."""
        live = await self._live_sessions(user_number, wall_now())
        if not live:
            return []
        raws = await self._redis.mget(
            [keys.user_session(user_number, session) for session, _end in reversed(live)]
        )
        return [UserRedis.from_json(raw) for raw in raws if raw is not None]

    async def delete_user_session(self, user_number: str) -> bool:
        """End whatever sessions the user has (an admin's action); True if there was one."""
        return await self.end_user_sessions(user_number) > 0

    async def end_user_sessions(self, user_number: str) -> int:
        """End every session of the user (log out everywhere, an admin's action); how many
        there were."""
        index = keys.user_sessions(user_number)
        for _attempt in range(MAX_CAS_ATTEMPTS):
            found = cast(list[str], await self._redis.zrange(index, 0, -1))
            members = sorted(text(member) for member in found)
            session_keys = [keys.user_session(user_number, session) for session in members]
            ended = int(
                await self._scripts.end_sessions(
                    keys=[index, *session_keys], args=[joined_ids(members)]
                )
            )
            if ended >= 0:
                return ended
        raise KeptChanging(f"the sessions of {user_number}")

    async def end_user_session(self, user: UserRedis) -> bool:
        """Logout of this login only: the user's other sessions stay; True if it was ended.
        An unreadable session is ended too (it cannot be anyone's)."""
        session = keys.session_id(user.token_hash)
        result = await self._scripts.end_session(
            keys=[
                keys.user_session(user.user_number, session),
                keys.user_sessions(user.user_number),
            ],
            args=[user.token_hash, session],
        )
        return bool(result)

    async def refresh_user_session(self, user: UserRedis, ttl: int, *, read: UserRedis) -> bool:
        """Extend a session (``read`` is the session as the caller read it) unless it was
        ended meanwhile; True while it is still this login. A session changed since ``read``
        (an admin's edit) is left as it is, not extended this time."""
        if ttl <= 0:
            raise ValueError("ttl must be a positive number of seconds")
        session = keys.session_id(user.token_hash)
        result = await self._scripts.refresh_session(
            keys=[
                keys.user_session(user.user_number, session),
                keys.user_sessions(user.user_number),
            ],
            args=[
                user.token_hash,
                user.to_json(),
                ttl,
                read.to_json(),
                session,
                epoch_seconds(wall_now() + timedelta(seconds=ttl)),
            ],
        )
        return bool(result)

    async def update_session_identity(self, user_number: str, full_name: str, role: Role) -> bool:
        """Give each live session of the user the directory's name and role, keeping its TTL
        (an admin's edit takes effect at once); False when the user has no session."""
        changed = 0
        for session in await self.user_sessions(user_number):
            key = keys.user_session(user_number, keys.session_id(session.token_hash))
            changed += await self._replace_identity(key, full_name, role)
        return changed > 0

    async def _replace_identity(self, key: str, full_name: str, role: Role) -> int:
        for _attempt in range(MAX_CAS_ATTEMPTS):
            raw = await self._redis.get(key)
            if raw is None:
                return 0
            current = UserRedis.from_json(raw)
            updated = UserRedis.model_validate(
                {**current.model_dump(), "full_name": full_name, "role": role}
            )
            outcome = text(
                await self._scripts.replace_session(keys=[key], args=[text(raw), updated.to_json()])
            )
            if outcome != "changed":
                return int(outcome == "ok")
        raise KeptChanging(f"the session {key}")

    async def _live_sessions(self, user_number: str, now: datetime) -> list[tuple[str, float]]:
        """``(session id, end)`` of the sessions not yet ended, the oldest end first."""
        index = keys.user_sessions(user_number)
        return live_sessions(
            await self._redis.zrangebyscore(index, *not_ended(now), withscores=True)
        )


def not_ended(now: datetime) -> tuple[str, str]:
    """The score range of the index members that end after ``now``."""
    return f"({epoch_seconds(now)}", "+inf"


def live_sessions(reply: object) -> list[tuple[str, float]]:
    """``(session id, end)`` of a ``ZRANGEBYSCORE … WITHSCORES`` reply of the index."""
    members = cast(list[tuple[str | bytes, float]], reply)
    return [(text(member), float(end)) for member, end in members]


def joined_ids(sessions: Iterable[str]) -> str:
    """The comparison value of a set of session ids: sorted, joined by ','."""
    return ",".join(sorted(sessions))


def wall_now() -> datetime:
    """The index scores sessions by when their keys' TTLs run out: Redis's wall time, not
    the injected clock (a frozen test clock must not expire them early)."""
    return datetime.now(UTC)
