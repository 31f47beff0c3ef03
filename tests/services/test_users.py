"""Accounts one by one: validation messages, hashing off the event loop, create and list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from attn.config import Environment, Settings
from attn.errors import Conflict, InvalidInput
from attn.models import Role
from attn.models.types import utcnow
from attn.services.accounts import users
from attn.services.accounts.passwords import verify_password


def config() -> Settings:
    return Settings(environment=Environment.TEST)


class TestUsersService:
    async def test_create_and_list(self, session: AsyncSession) -> None:
        data = users.parse_new_user(
            {"user_number": "S1", "full_name": "Ali", "role": "student", "password": "p" * 8}
        )
        async with session.begin():
            created = await users.create_user(session, config(), data, actor="cli", now=utcnow())
            with pytest.raises(Conflict):
                await users.create_user(session, config(), data, actor="cli", now=utcnow())
        async with session.begin():
            page = await users.list_users(session, role=Role.STUDENT, limit=10_000)
        assert [user.user_number for user in page.items] == [created.user_number]
        assert verify_password(page.items[0].password_hash, "p" * 8)
        assert page.items[0].created_at - page.items[0].updated_at == timedelta(0)

    def test_parse_new_user_names_the_fields_but_not_the_password(self) -> None:
        with pytest.raises(InvalidInput) as bad:
            users.parse_new_user(
                {"user_number": "S 1", "full_name": "", "role": "x", "password": "short12"}
            )
        message = bad.value.message
        for field in ("user_number", "full_name", "role", "password"):
            assert field in message
        assert "short12" not in message
        assert "\n" not in message

    async def test_hash_passwords_keeps_order_and_none(self) -> None:
        hashes = await users.hash_passwords(config(), ["first-pass", None, "second-pass"])
        assert hashes[1] is None
        assert verify_password(hashes[0], "first-pass")
        assert verify_password(hashes[2], "second-pass")
        assert not verify_password(hashes[2], "first-pass")
