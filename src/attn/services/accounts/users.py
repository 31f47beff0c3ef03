"""Accounts: admins create users (one by one here, in bulk in ``user_import``), correct
and list them.

Every account change by an admin lands in the audit log in the same transaction, and
reaches the user's live login at once (:func:`apply_to_session`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from attn.config import Settings
from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.db.sql.rows import Page, UserRow
from attn.errors import InvalidUser, UserNotFound
from attn.models.api_users import UserCreate, UserUpdate
from attn.models.types import Role
from attn.services.accounts.passwords import hash_in_pool, pool_size
from attn.services.outcomes import translated

MAX_PAGE_SIZE = 200


def validation_problems(exc: ValidationError) -> list[str]:
    """``"field: message"`` for each error; never the input value (it may be a password)."""
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        field = ".".join(str(part) for part in error.get("loc", ())) or "value"
        problems.append(f"{field}: {error.get('msg', 'invalid')}")
    return problems


def parse_new_user(values: Mapping[str, Any]) -> UserCreate:
    """Validate a new user from the command line; :class:`InvalidInput` names the field."""
    try:
        return UserCreate.model_validate(dict(values))
    except ValidationError as exc:
        raise InvalidUser("; ".join(validation_problems(exc))) from None


async def hash_passwords(settings: Settings, passwords: Sequence[str | None]) -> list[str | None]:
    """Argon2 hashes (None stays None) with the settings' parameters, in the process's
    hashing threads.

    At most one hash per thread is handed to the pool at a time: the pool's queue is first
    come, first served, so a login arriving during a large import waits for one round of
    the import's hashes, not for all of them.
    """
    limit = asyncio.Semaphore(pool_size(settings))

    async def one(password: str | None) -> str | None:
        if password is None:
            return None
        async with limit:
            return await hash_in_pool(settings, password)

    return list(await asyncio.gather(*(one(password) for password in passwords)))


async def create_user(
    session: AsyncSession, settings: Settings, data: UserCreate, *, actor: str, now: datetime
) -> UserRow:
    """Create one account; :class:`~attn.errors.UserExists` (409) when the number is taken."""
    (password_hash,) = await hash_passwords(settings, [data.password])
    with translated():
        user = await repository.create_user(
            session,
            user_number=data.user_number,
            full_name=data.full_name,
            role=data.role,
            password_hash=password_hash,
            at=now,
        )
    await repository.add_audit(
        session,
        actor=actor,
        action="user_created",
        details={"user_number": user.user_number, "role": user.role.value},
        at=now,
    )
    return user


async def list_users(
    session: AsyncSession,
    *,
    role: Role | None = None,
    query: str | None = None,
    active: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[UserRow]:
    """Users ordered by number, optionally of one role, found by number or name words
    (``query``), active or deactivated (``limit`` capped)."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    query = (query or "").strip() or None
    return await repository.list_users(
        session, role=role, query=query, active=active, limit=limit, offset=max(0, offset)
    )


async def update_user(
    session: AsyncSession,
    redis: RedisClient,
    user_number: str,
    data: UserUpdate,
    *,
    actor: str,
    now: datetime,
) -> UserRow:
    """Correct an account's name and/or role; 404 ``user_not_found`` for an unknown number."""
    current = await repository.get_user(session, user_number)
    if current is None:
        raise UserNotFound(f"no user {user_number}")
    full_name = data.full_name or current.full_name
    role = data.role or current.role
    await repository.update_user(session, user_number, full_name=full_name, role=role, at=now)
    await repository.add_audit(
        session,
        actor=actor,
        action="user_updated",
        details={
            "user_number": user_number,
            "before": {"full_name": current.full_name, "role": current.role.value},
            "after": {"full_name": full_name, "role": role.value},
        },
        at=now,
    )
    await apply_to_session(redis, current, full_name, role, password_changed=False)
    updated = await repository.get_user(session, user_number)
    assert updated is not None
    return updated


async def end_sessions(
    session: AsyncSession, redis: RedisClient, user_number: str, *, actor: str, now: datetime
) -> int:
    """An admin ends every session of a user (a lost phone, a shared password); how many
    there were. 404 ``user_not_found`` for an unknown number."""
    if await repository.get_user(session, user_number) is None:
        raise UserNotFound(f"no user {user_number}")
    await redis.forget_device(user_number)
    with translated():
        ended = await redis.end_user_sessions(user_number)
    await repository.add_audit(
        session,
        actor=actor,
        action="sessions_ended",
        details={"user_number": user_number, "sessions": ended},
        at=now,
    )
    return ended


async def apply_to_session(
    redis: RedisClient,
    before: UserRow,
    full_name: str,
    role: Role,
    *,
    password_changed: bool,
) -> None:
    """Make an admin's change reach the user's live login: a new role or password ends it
    (a demoted teacher keeps no teacher's session; a reset password locks out whoever had
    the old one); a new name is written into it and into a student's remembered phone, so
    the next check-in and the next resume carry it."""
    if role is not before.role or password_changed:
        await redis.forget_device(before.user_number)
        with translated():
            await redis.end_user_sessions(before.user_number)
    elif full_name != before.full_name:
        with translated():
            # The remembered phone first: a resume that read the old name meanwhile then
            # either fails its compare-and-set and reads again, or opened its session
            # before the sessions below are renamed.
            await redis.rename_remembered(before.user_number, full_name)
            await redis.update_session_identity(before.user_number, full_name, role)
