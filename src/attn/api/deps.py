"""``Annotated`` dependency aliases, named after what they give."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from attn.config import Settings
from attn.db.redis_client import RedisClient
from attn.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_settings_dep(runtime: RuntimeDep) -> Settings:
    return runtime.settings


def get_redis_client(runtime: RuntimeDep) -> RedisClient:
    return runtime.redis_client


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the handler returns, else rolled back."""
    async with runtime.sessionmaker() as session, session.begin():
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
RedisDep = Annotated[RedisClient, Depends(get_redis_client)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
