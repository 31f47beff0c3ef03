"""/api/v1/auth: log in (bearer token plus the web UI's cookies), log out, who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, Header, Request, Response, status

from attn.api.cookies import clear_session_cookies, set_session_cookies
from attn.api.deps import (
    ClientAddress,
    ClockDep,
    CurrentUser,
    RedisDep,
    SessionDep,
    SettingsDep,
)
from attn.api.errors import error_responses
from attn.config import Settings
from attn.models.api_auth import LoginIn, MeOut, SessionUser, TokenOut
from attn.services.accounts import auth, device_login, remember
from attn.services.security.devices import DEVICE_ID_HEADER, validate_device_id

router = APIRouter(tags=["auth"])

DeviceHeader = Annotated[
    str | None, Header(alias=DEVICE_ID_HEADER, description="The device's id (see check-in).")
]


@router.post("/login", response_model=TokenOut, responses=error_responses(401, 422, 429))
async def login(
    body: LoginIn,
    request: Request,
    response: Response,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    address: ClientAddress,
    clock: ClockDep,
    device: DeviceHeader = None,
) -> TokenOut:
    """Log in on this device, and set the web UI's cookies (a student: also "remember")."""
    device_id = validate_device_id(device, required=True) if body.remember else None
    result = await device_login.log_in(
        session, redis, settings, body.user_number, body.password, address, device_id, clock.now()
    )
    return _logged_in(response, request, settings, result)


@router.post("/resume", response_model=TokenOut, responses=error_responses(401, 422, 429))
async def resume(
    request: Request,
    response: Response,
    redis: RedisDep,
    settings: SettingsDep,
    address: ClientAddress,
    clock: ClockDep,
    device: DeviceHeader = None,
    credential: Annotated[str | None, Cookie(alias=remember.REMEMBER_COOKIE)] = None,
) -> TokenOut:
    """A new session from a remembered phone (the attn_remember cookie), no password."""
    result = await remember.attempt_resume(
        redis, settings, credential, device, address, clock.now()
    )
    return _logged_in(response, request, settings, result)


def _logged_in(
    response: Response, request: Request, settings: Settings, result: auth.LoginResult
) -> TokenOut:
    set_session_cookies(response, request, settings, result)
    return TokenOut(
        access_token=result.token,
        expires_at=result.session.expires_at,
        user=SessionUser.from_session(result.session),
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(401, 403))
async def logout(user: CurrentUser, redis: RedisDep, response: Response) -> None:
    """End the current session at once; its token is refused from now on."""
    await auth.logout(redis, user)
    clear_session_cookies(response)


@router.post(
    "/logout-all", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(401, 403)
)
async def logout_everywhere(user: CurrentUser, redis: RedisDep, response: Response) -> None:
    """End every session of the caller, on every device, this one included."""
    await auth.logout_everywhere(redis, user.user_number)
    clear_session_cookies(response)


@router.get("/me", response_model=MeOut, responses=error_responses(401))
async def me(user: CurrentUser) -> MeOut:
    """The logged-in user and when the session ends."""
    return MeOut.from_session(user)
