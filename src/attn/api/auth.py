"""/api/v1/auth: log in (bearer token plus the web UI's cookies), log out, who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, Header, Request, Response, status

from attn.api.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    ClientAddress,
    ClockDep,
    CurrentUser,
    RedisDep,
    SessionDep,
    SettingsDep,
)
from attn.api.errors import error_responses
from attn.config import Environment, Settings
from attn.models.api_auth import LoginIn, MeOut, SessionUser, TokenOut
from attn.services.accounts import auth, remember
from attn.services.security.devices import DEVICE_ID_HEADER, validate_device_id

router = APIRouter(tags=["auth"])

REMEMBER_PATH = "/api/v1/auth"
"""The remember cookie goes only to the auth routes, never with other requests."""
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
    now = clock.now()
    result = await auth.attempt_login(
        session, redis, settings, body.user_number, body.password, address, now
    )
    result = await remember.after_password_login(redis, settings, result, device_id, now)
    return _logged_in(response, request, settings, result)


@router.post("/resume", response_model=TokenOut, responses=error_responses(401, 422, 429))
async def resume(
    request: Request,
    response: Response,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    address: ClientAddress,
    clock: ClockDep,
    device: DeviceHeader = None,
    credential: Annotated[str | None, Cookie(alias=remember.REMEMBER_COOKIE)] = None,
) -> TokenOut:
    """A new session from a remembered phone (the attn_remember cookie), no password."""
    result = await remember.attempt_resume(
        session, redis, settings, credential, device, address, clock.now()
    )
    return _logged_in(response, request, settings, result)


def _logged_in(
    response: Response, request: Request, settings: Settings, result: auth.LoginResult
) -> TokenOut:
    _set_session_cookies(response, request, settings, result)
    return TokenOut(
        access_token=result.token,
        expires_at=result.session.expires_at,
        user=SessionUser.from_session(result.session),
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(401, 403))
async def logout(user: CurrentUser, redis: RedisDep, response: Response) -> None:
    """End the current session at once; its token is refused from now on."""
    await auth.logout(redis, user)
    _clear_session_cookies(response)


@router.post(
    "/logout-all", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(401, 403)
)
async def logout_everywhere(user: CurrentUser, redis: RedisDep, response: Response) -> None:
    """End every session of the caller, on every device, this one included."""
    await auth.logout_everywhere(redis, user.user_number)
    _clear_session_cookies(response)


def _clear_session_cookies(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    response.delete_cookie(CSRF_COOKIE, path="/", samesite="strict")
    response.delete_cookie(remember.REMEMBER_COOKIE, path=REMEMBER_PATH, httponly=True)


@router.get("/me", response_model=MeOut, responses=error_responses(401))
async def me(user: CurrentUser) -> MeOut:
    """The logged-in user and when the session ends."""
    return MeOut.from_session(user)


def _set_session_cookies(
    response: Response, request: Request, settings: Settings, result: auth.LoginResult
) -> None:
    """``attn_session`` (HttpOnly: scripts never see it) and ``attn_csrf`` (readable, so
    the UI can echo it in X-CSRF-Token). Both die with the absolute session maximum; Redis
    decides the real end. ``Secure`` whenever the request came over HTTPS, and always in
    production (a TLS-terminating proxy may forward plain HTTP)."""
    secure = request.url.scheme == "https" or settings.environment is Environment.PRODUCTION
    for name, value, httponly in (
        (SESSION_COOKIE, result.token, True),
        (CSRF_COOKIE, auth.csrf_token(settings, result.session), False),
    ):
        response.set_cookie(
            name,
            value,
            max_age=settings.session_max_age,
            path="/",
            secure=secure,
            httponly=httponly,
            samesite="strict",
        )
    if result.remember is not None:
        response.set_cookie(
            remember.REMEMBER_COOKIE,
            result.remember,
            max_age=settings.remember_days * 86_400,
            path=REMEMBER_PATH,
            secure=secure,
            httponly=True,
            samesite="strict",
        )
