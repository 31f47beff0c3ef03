"""``Annotated`` dependency aliases, named after what they give."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from attn.api.cookies import CSRF_COOKIE, SESSION_COOKIE
from attn.clock import Clock
from attn.config import Settings
from attn.db.redis_client import RedisClient
from attn.errors import Unauthorized, WrongRole
from attn.models import Role, UserRedis
from attn.runtime import Runtime
from attn.services.accounts import auth
from attn.services.security.client_address import client_address, parse_networks


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_settings_dep(runtime: RuntimeDep) -> Settings:
    return runtime.settings


async def get_redis_client(runtime: RuntimeDep) -> RedisClient:
    return runtime.redis_client


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the handler returns, else rolled back."""
    async with runtime.sessionmaker() as session, session.begin():
        yield session


async def get_clock(runtime: RuntimeDep) -> Clock:
    """The runtime's clock (see :attr:`Runtime.clock`)."""
    return runtime.clock


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ClockDep = Annotated[Clock, Depends(get_clock)]
RedisDep = Annotated[RedisClient, Depends(get_redis_client)]
# scope="function": commit before the response is sent, so a failed commit is the
# client's error answer rather than a success already on the wire, and a client that
# reads right after a write sees it.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


# --- who is calling -------------------------------------------------------------------

bearer_scheme = HTTPBearer(auto_error=False, description="The token from POST /api/v1/auth/login.")
CSRF_HEADER = "X-CSRF-Token"


def request_client_address(request: Request, settings: Settings) -> str:
    """The client IP for limits, checks and logs (proxies only trusted when configured)."""
    peer = request.client.host if request.client else None
    return client_address(
        peer, request.headers.get("x-forwarded-for"), parse_networks(settings.trusted_proxies)
    )


async def get_client_address(request: Request, settings: SettingsDep) -> str:
    return request_client_address(request, settings)


ClientAddress = Annotated[str, Depends(get_client_address)]


BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


async def get_current_user(
    request: Request,
    redis: RedisDep,
    settings: SettingsDep,
    clock: ClockDep,
    credentials: BearerCredentials,
) -> UserRedis:
    """The caller's login session (bearer token, or the web UI's cookie); 401 otherwise."""
    token, by_cookie = request_token(request, credentials)
    user = await auth.authenticate(redis, settings, token, clock.now())
    accept_caller(request, settings, user, by_cookie=by_cookie)
    return user


def request_token(
    request: Request, credentials: HTTPAuthorizationCredentials | None
) -> tuple[str, bool]:
    """The bearer token, else the session cookie's (and whether it came from the cookie);
    401 without either."""
    if credentials:
        return credentials.credentials, False
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise Unauthorized("log in first: send Authorization: Bearer <token>")
    return token, True


def accept_caller(
    request: Request, settings: Settings, user: UserRedis, *, by_cookie: bool
) -> None:
    """The checks after the session is found: CSRF for cookie authentication; and the
    user number for the access log.

    The cookie is sent by the browser on its own, so a state-changing request authenticated
    by it must also carry the CSRF header (403 without). A bearer token is never attached
    by a browser unasked, so it needs none.
    """
    if by_cookie:
        auth.check_csrf(
            settings,
            user,
            request.method,
            header=request.headers.get(CSRF_HEADER),
            cookie=request.cookies.get(CSRF_COOKIE),
        )
    request.state.user_number = user.user_number


CurrentUser = Annotated[UserRedis, Depends(get_current_user)]


def ensure_role(user: UserRedis, *roles: Role) -> UserRedis:
    """``user`` if it has one of ``roles``; 403 ``wrong_role`` otherwise."""
    if user.role not in roles:
        raise WrongRole(f"this needs the role {', '.join(roles)}")
    return user


def require_role(*roles: Role) -> Callable[[UserRedis], Awaitable[UserRedis]]:
    async def check(user: CurrentUser) -> UserRedis:
        return ensure_role(user, *roles)

    return check


CurrentTeacher = Annotated[UserRedis, Depends(require_role(Role.TEACHER))]
CurrentStudent = Annotated[UserRedis, Depends(require_role(Role.STUDENT))]
CurrentAdmin = Annotated[UserRedis, Depends(require_role(Role.ADMIN))]
CurrentStaff = Annotated[UserRedis, Depends(require_role(Role.TEACHER, Role.ADMIN))]
