"""The browser's login cookies, set and cleared alike by the JSON API and the pages."""

from __future__ import annotations

from fastapi import Request, Response

from attn.config import Environment, Settings
from attn.services.accounts import auth, remember

SESSION_COOKIE = "attn_session"
CSRF_COOKIE = "attn_csrf"
REMEMBER_PATH = "/api/v1/auth"
"""The remember cookie goes only to the auth routes, never with other requests."""


def set_session_cookies(
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


def clear_session_cookies(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    response.delete_cookie(CSRF_COOKIE, path="/", samesite="strict")
    response.delete_cookie(remember.REMEMBER_COOKIE, path=REMEMBER_PATH, httponly=True)
