"""A hall logging in at once through the real app: every login waits its turn for Argon2,
none gives up waiting for a database connection."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from attn.config import Settings
from attn.db.sql import repository
from attn.db.sql.rows import NewUserRow
from attn.models import Role
from attn.models.types import utcnow
from attn.runtime import Runtime
from attn.services.accounts.passwords import hash_password
from tests.fixtures.app import DEFAULT_PASSWORD
from tests.helpers.auth_api import login
from tests.helpers.rate_limits import away_from_window_edge

HALL = 100
"""Far more logins at once than the database pool's 15 connections."""


class TestLoginRush:
    @pytest.fixture
    def app_settings(self, app_settings: Settings) -> Settings:
        """A connection is waited for at most 0.5 s: the hall's logins queue behind Argon2
        (OWASP's parameters) for longer than that in all."""
        return app_settings.model_copy(update={"database_statement_timeout": 0.5})

    async def test_a_hall_at_once_waits_for_argon2_not_for_a_connection(
        self, api: httpx.AsyncClient, runtime: Runtime
    ) -> None:
        password_hash = hash_password(DEFAULT_PASSWORD)
        numbers = [f"S{index:04d}" for index in range(HALL)]
        rows = [
            NewUserRow(
                user_number=number,
                full_name=f"Öğrenci {number}",
                role=Role.STUDENT,
                password_hash=password_hash,
            )
            for number in numbers
        ]
        async with runtime.sessionmaker() as session, session.begin():
            await repository.create_users(session, rows, at=utcnow())
        await away_from_window_edge()
        responses = await asyncio.gather(*(login(api, number) for number in numbers))
        assert [response.status_code for response in responses] == [200] * HALL
