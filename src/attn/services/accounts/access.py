"""Who may log in: an admin deactivates or reactivates an account, or sets a new password.

A deactivated account keeps every record, attendance and audit entry naming it; only its
logins stop. Deactivation and a new password end the user's sessions and forget their
remembered phone (:func:`~attn.services.accounts.auth.logout_everywhere`), so neither a
session nor a "remember this phone" resume outlives them (the resume needs no SQL read);
the password login refuses a deactivated account as it refuses a wrong password.
Each change is audited in its transaction; repeating one changes nothing and is not.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from attn.config import Settings
from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.db.sql.rows import UserRow
from attn.errors import OwnAccount, UserNotFound
from attn.services.accounts.auth import logout_everywhere
from attn.services.accounts.users import hash_passwords
from attn.services.audit import account_audit


async def get_user(session: AsyncSession, user_number: str) -> UserRow:
    """The account; 404 ``user_not_found`` for an unknown number."""
    user = await repository.get_user(session, user_number)
    if user is None:
        raise UserNotFound(f"no user {user_number}")
    return user


LOGIN_BLOCK_SECONDS = 300
"""How long a deactivation blocks new sessions in Redis: far longer than a login takes from
reading the account to opening its session; after it the SQL row alone refuses."""


async def deactivate(
    session: AsyncSession, redis: RedisClient, user_number: str, *, actor: str, now: datetime
) -> UserRow:
    """Stop the account's logins and end its sessions; 409 ``own_account`` for oneself."""
    user = await get_user(session, user_number)
    if user_number == actor:
        raise OwnAccount("you cannot deactivate the account you are logged in with")
    if not user.active:
        return user
    await repository.set_deactivated(session, user_number, now, at=now)
    # A login that read the row before this commit may be hashing its password now: the
    # block refuses its session, the logout below ends any opened before the block.
    await redis.block_logins(user_number, LOGIN_BLOCK_SECONDS)
    ended = await logout_everywhere(redis, user_number)
    details = {"role": user.role.value, "sessions": ended}
    await account_audit(session, actor, "user_deactivated", user_number, details, at=now)
    return await get_user(session, user_number)


async def reactivate(
    session: AsyncSession, redis: RedisClient, user_number: str, *, actor: str, now: datetime
) -> UserRow:
    """Let a deactivated account log in again (with the password it had)."""
    user = await get_user(session, user_number)
    if user.active:
        return user
    await repository.set_deactivated(session, user_number, None, at=now)
    await redis.unblock_logins(user_number)
    details = {"deactivated_at": user.deactivated_at.isoformat() if user.deactivated_at else None}
    await account_audit(session, actor, "user_reactivated", user_number, details, at=now)
    return await get_user(session, user_number)


async def reset_password(
    session: AsyncSession,
    redis: RedisClient,
    settings: Settings,
    user_number: str,
    password: str,
    *,
    actor: str,
    now: datetime,
) -> int:
    """Set a new password and end every session (whoever knew the old one is out); how
    many sessions there were."""
    await get_user(session, user_number)
    (password_hash,) = await hash_passwords(settings, [password])
    await repository.set_password_hash(session, user_number, password_hash, at=now)
    ended = await logout_everywhere(redis, user_number)
    await account_audit(session, actor, "password_reset", user_number, {"sessions": ended}, at=now)
    return ended
