"""What every page handler needs to know about its request: the language, who is looking
(from the session cookie, never required to be valid), and whether a form post may be
trusted (same origin, and the session's CSRF token in the form).

Page dependencies never raise a JSON error: an absent or expired login is simply nobody
(:data:`Viewer` is None), and a page that needs one redirects to the login page
(:class:`LoginRequired`, handled in :mod:`attn.web.errors`).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request

from attn.api.cookies import SESSION_COOKIE
from attn.api.deps import ClockDep, RedisDep, SettingsDep
from attn.config import Settings
from attn.errors import CrossSiteForm, CsrfFailed, Unauthorized, WrongRole
from attn.models import Role, UserRedis
from attn.services.accounts import auth
from attn.web import i18n

CSRF_FIELD = "csrf_token"
HOMES = {Role.TEACHER: "/teacher", Role.STUDENT: "/student", Role.ADMIN: "/admin"}


class LoginRequired(Exception):
    """The page needs a login: answered with a redirect to ``/login?next=...``."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def locale_for(request: Request, settings: Settings) -> i18n.PageLocale:
    language = i18n.choose_language(
        request.cookies.get(i18n.LANGUAGE_COOKIE), request.headers.get("accept-language")
    )
    return i18n.PageLocale(language, settings.zone)


async def page_language(request: Request, settings: SettingsDep) -> str:
    """Translate this request in the viewer's language (see :mod:`attn.web.i18n`)."""
    page_locale = locale_for(request, settings)
    i18n.use(page_locale)
    return page_locale.language


Language = Annotated[str, Depends(page_language)]


async def page_viewer(
    request: Request, redis: RedisDep, settings: SettingsDep, clock: ClockDep, _: Language
) -> UserRedis | None:
    """The logged-in user of the session cookie, or None; its CSRF token goes to the
    templates (every form of a logged-in page carries it)."""
    token = request.cookies.get(SESSION_COOKIE)
    viewer: UserRedis | None = None
    if token:
        try:
            viewer = await auth.authenticate(redis, settings, token, clock.now())
        except Unauthorized:
            viewer = None
    show_viewer(request, settings, viewer)
    return viewer


def show_viewer(request: Request, settings: Settings, viewer: UserRedis | None) -> None:
    """Give the templates ``viewer`` and its CSRF token (for a handler that found the
    session itself, as the check-in form does through the check-in's admission)."""
    page = {"viewer": viewer, "csrf_token": auth.csrf_token(settings, viewer) if viewer else ""}
    request.state.page = page
    if viewer is not None:
        request.state.user_number = viewer.user_number  # for the access log


Viewer = Annotated[UserRedis | None, Depends(page_viewer)]


def viewer_with_role(*roles: Role) -> Callable[..., Awaitable[UserRedis]]:
    """A dependency: the viewer if they have one of ``roles``; else a login redirect
    (nobody logged in) or the 403 page (the wrong role)."""

    async def dependency(request: Request, viewer: Viewer) -> UserRedis:
        if viewer is None:
            query = f"?{request.url.query}" if request.url.query else ""
            raise LoginRequired(request.url.path + query)
        if viewer.role not in roles:
            raise WrongRole(f"this page is for the role {', '.join(roles)}")
        return viewer

    return dependency


def home_of(user: UserRedis) -> str:
    return HOMES[user.role]


def safe_next(next_url: str | None) -> str | None:
    """``next_url`` if it is a path on this site (never another host: no open redirect)."""
    if not next_url or not next_url.startswith("/") or next_url.startswith(("//", "/\\")):
        return None
    parts = urlsplit(next_url)
    return None if parts.scheme or parts.netloc else next_url


def check_same_origin(request: Request) -> None:
    """A form post must come from a page of this site: the browser says where it came from
    (``Sec-Fetch-Site``, else ``Origin``); a cross-site post is refused before anything."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        if fetch_site not in {"same-origin", "none"}:
            raise CrossSiteForm("this form was sent from another site")
        return
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.url.netloc:
        raise CrossSiteForm("this form was sent from another site")


def check_form_token(settings: Settings, viewer: UserRedis, token: str | None) -> None:
    """The form's hidden CSRF token must be this session's (pages of a logged-in user)."""
    expected = auth.csrf_token(settings, viewer)
    if not token or not hmac.compare_digest(token.encode(), expected.encode()):
        raise CsrfFailed("the form's CSRF token is not this session's")
