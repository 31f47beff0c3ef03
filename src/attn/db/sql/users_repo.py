"""Users: missing ones created for persistence, and the account operations for admins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.outcomes import NumbersTaken
from attn.db.sql._dml import chunked, insert_for, last_per_key
from attn.db.sql.rows import NewUserRow, Page, UserFromAttendance, UserRow
from attn.db.sql.tables import USERS
from attn.models.types import Role, name_words

_INSERT_COLUMNS = 5  # user_number, full_name, role, created_at, updated_at


async def insert_missing_users(session: AsyncSession, rows: Sequence[UserFromAttendance]) -> None:
    """Create the users that do not exist yet; never change one that does.

    The user directory belongs to admins (and later an identity provider). An attendance
    knows a student's name only so that a student nobody created can still be stored (a
    foreign key needs the user): a name typed by a teacher, or the one a session kept from
    before an admin's correction, must never rename an account.
    """
    # Sorted: concurrent workers then lock overlapping users in one order (no deadlocks).
    unique = sorted(last_per_key(rows, lambda row: row.user_number), key=lambda r: r.user_number)
    for chunk in chunked(session, unique, _INSERT_COLUMNS):
        stmt = insert_for(session, USERS).values(
            [
                {
                    "user_number": row.user_number,
                    "full_name": row.full_name,
                    "role": row.role.value,
                    "created_at": row.seen_at,
                    "updated_at": row.seen_at,
                }
                for row in chunk
            ]
        )
        await session.execute(stmt.on_conflict_do_nothing(index_elements=[USERS.c.user_number]))


async def create_user(
    session: AsyncSession,
    *,
    user_number: str,
    full_name: str,
    role: Role,
    password_hash: str | None = None,
    at: datetime,
) -> UserRow:
    """Insert a new account; :class:`~attn.db.outcomes.NumbersTaken` when the number is taken.

    ``ON CONFLICT DO NOTHING`` rather than catching an IntegrityError keeps the caller's
    PostgreSQL transaction usable after a duplicate.
    """
    stmt = (
        insert_for(session, USERS)
        .values(
            user_number=user_number,
            full_name=full_name,
            role=role.value,
            password_hash=password_hash,
            created_at=at,
            updated_at=at,
        )
        .on_conflict_do_nothing(index_elements=[USERS.c.user_number])
        .returning(*USERS.c)
    )
    created = (await session.execute(stmt)).mappings().first()
    if created is None:
        raise NumbersTaken([user_number], bulk=False)
    return UserRow.from_mapping(created)


async def create_users(session: AsyncSession, rows: Sequence[NewUserRow], *, at: datetime) -> None:
    """Insert many new accounts in a few statements; :class:`NumbersTaken` if any number is
    taken.

    All or nothing only with the caller's transaction: on a conflict the rows inserted
    before it stay in the transaction, which the caller is expected to roll back.
    """
    for chunk in chunked(session, rows, 6):
        stmt = (
            insert_for(session, USERS)
            .values(
                [
                    {
                        "user_number": row.user_number,
                        "full_name": row.full_name,
                        "role": row.role.value,
                        "password_hash": row.password_hash,
                        "created_at": at,
                        "updated_at": at,
                    }
                    for row in chunk
                ]
            )
            .on_conflict_do_nothing(index_elements=[USERS.c.user_number])
            .returning(USERS.c.user_number)
        )
        inserted = set((await session.execute(stmt)).scalars())
        taken = [row.user_number for row in chunk if row.user_number not in inserted]
        if taken:
            raise NumbersTaken(taken, bulk=True)


async def get_user(session: AsyncSession, user_number: str) -> UserRow | None:
    found = (
        (await session.execute(select(USERS).where(USERS.c.user_number == user_number)))
        .mappings()
        .first()
    )
    return None if found is None else UserRow.from_mapping(found)


async def get_users(session: AsyncSession, user_numbers: Sequence[str]) -> dict[str, UserRow]:
    """The existing users among ``user_numbers`` (one query per few thousand numbers)."""
    found: dict[str, UserRow] = {}
    unique = sorted(set(user_numbers))
    for chunk in chunked(session, unique, 1):
        result = await session.execute(select(USERS).where(USERS.c.user_number.in_(chunk)))
        for row in result.mappings():
            user = UserRow.from_mapping(row)
            found[user.user_number] = user
    return found


async def update_user(
    session: AsyncSession,
    user_number: str,
    *,
    full_name: str,
    role: Role,
    password_hash: str | None = None,
    at: datetime,
) -> bool:
    """An admin's edit: name and role, and the password hash when one is given (None keeps
    the current one). False when there is no such user."""
    values: dict[str, Any] = {
        "full_name": full_name,
        "role": role.value,
        "updated_at": at,
    }
    if password_hash is not None:
        values["password_hash"] = password_hash
    result = await session.execute(
        update(USERS).where(USERS.c.user_number == user_number).values(**values)
    )
    return bool(cast("CursorResult[Any]", result).rowcount)


async def list_users(
    session: AsyncSession,
    *,
    role: Role | None = None,
    query: str | None = None,
    active: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[UserRow]:
    """Users ordered by number, optionally of one role, matching ``query`` (see
    :func:`matching`) and active or not, with the total for pagination."""
    conditions: list[ColumnElement[bool]] = []
    if role is not None:
        conditions.append(USERS.c.role == role.value)
    if query:
        conditions.append(matching(query))
    if active is not None:
        deactivated = USERS.c.deactivated_at
        conditions.append(deactivated.is_(None) if active else deactivated.is_not(None))
    total = await session.scalar(select(func.count()).select_from(USERS).where(*conditions))
    result = await session.execute(
        select(USERS).where(*conditions).order_by(USERS.c.user_number).limit(limit).offset(offset)
    )
    return Page([UserRow.from_mapping(row) for row in result.mappings()], total or 0)


_FOLDED_LETTERS = (
    ("İ", "i"), ("I", "i"), ("Ş", "s"), ("Ğ", "g"), ("Ç", "c"), ("Ö", "o"), ("Ü", "u"),
    ("Â", "a"), ("Î", "i"), ("Û", "u"),
    ("ı", "i"), ("ş", "s"), ("ğ", "g"), ("ç", "c"), ("ö", "o"), ("ü", "u"),
    ("â", "a"), ("î", "i"), ("û", "u"),
)  # fmt: skip
"""The Turkish letters :func:`~attn.models.types.normalize_name` folds, folded in SQL too:
capitals first (SQLite's ``lower()`` knows ASCII only, PostgreSQL's may turn ``İ`` into
``i`` and a combining dot), then the small ones ``lower()`` gave."""


def folded_name() -> ColumnElement[str]:
    """``users.full_name`` folded like a typed query (case, Turkish letters): names are
    matched the way lesson names are, without a stored key (the directory is small)."""
    capitals, smalls = _FOLDED_LETTERS[:10], _FOLDED_LETTERS[10:]
    value: ColumnElement[str] = USERS.c.full_name
    for letter, plain in capitals:
        value = func.replace(value, letter, plain)
    value = func.lower(value)
    for letter, plain in smalls:
        value = func.replace(value, letter, plain)
    return value


def matching(query: str) -> ColumnElement[bool]:
    """A number starting with ``query`` (any case), or a name holding each of its words
    (:func:`~attn.models.types.name_words`: ``yilmaz AYSE`` finds ``Ayşe Yılmaz``)."""
    number = USERS.c.user_number.istartswith(query.strip(), autoescape=True)
    words = name_words(query)
    if not words:
        return number
    name = folded_name()
    return or_(number, and_(*(name.contains(word, autoescape=True) for word in words)))


async def set_deactivated(
    session: AsyncSession, user_number: str, deactivated_at: datetime | None, *, at: datetime
) -> bool:
    """Deactivate (a time) or reactivate (None) an account; False when there is no such
    user."""
    result = await session.execute(
        update(USERS)
        .where(USERS.c.user_number == user_number)
        .values(deactivated_at=deactivated_at, updated_at=at)
    )
    return bool(cast("CursorResult[Any]", result).rowcount)


async def set_password_hash(
    session: AsyncSession,
    user_number: str,
    password_hash: str | None,
    *,
    at: datetime,
) -> bool:
    """Replace (or with None, remove) a password hash; False when there is no such user."""
    result = await session.execute(
        update(USERS)
        .where(USERS.c.user_number == user_number)
        .values(password_hash=password_hash, updated_at=at)
    )
    return bool(cast("CursorResult[Any]", result).rowcount)
