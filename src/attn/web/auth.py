"""Pages everyone sees: the landing page, the one login page of all roles, logout and the
language switch. Each form posts here and is answered with a redirect (or the form again,
with what went wrong next to it and what was typed kept)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from attn.api.cookies import clear_session_cookies, set_session_cookies
from attn.api.deps import ClientAddress, ClockDep, RedisDep, SessionDep, SettingsDep
from attn.errors import AttnError, DeviceIdInvalid, RateLimited
from attn.models.api_auth import LoginIn
from attn.services.accounts import auth, device_login
from attn.services.security.devices import validate_device_id
from attn.web import i18n
from attn.web.context import (
    CSRF_FIELD,
    Language,
    Viewer,
    check_form_token,
    check_same_origin,
    home_of,
    safe_next,
)
from attn.web.messages import error_text
from attn.web.templating import render

router = APIRouter(include_in_schema=False)
LANGUAGE_COOKIE_DAYS = 365
FormText = Annotated[str, Form()]


@router.get("/", response_class=HTMLResponse)
async def landing(request: Request, viewer: Viewer) -> Response:
    """What ATTN is, and the way to log in (a logged-in user goes straight home)."""
    if viewer is not None:
        return RedirectResponse(home_of(viewer), status_code=303)
    return render(request, "auth/landing.html")


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, viewer: Viewer, next: str | None = None) -> Response:
    if viewer is not None:
        return RedirectResponse(safe_next(next) or home_of(viewer), status_code=303)
    return render(request, "auth/login.html", _login_context(next))


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    address: ClientAddress,
    clock: ClockDep,
    _: Language,
    user_number: FormText = "",
    password: FormText = "",
    remember: FormText = "",
    device_id: FormText = "",
    next: FormText = "",
) -> Response:
    """Log in and go on to ``next`` or the role's home; else the form with the problem."""
    check_same_origin(request)
    context = _login_context(next, user_number=user_number.strip(), remember=bool(remember))
    try:
        body = LoginIn(user_number=user_number.strip(), password=password)
    except ValueError:
        message = i18n.gettext("Enter your school number and password.")
        return _login_refused(request, context, message)
    try:
        device = validate_device_id(device_id, required=False) if remember else None
        result = await device_login.log_in(
            session, redis, settings, body.user_number, body.password, address, device, clock.now()
        )
    except DeviceIdInvalid:
        return _login_refused(request, context, error_text("device_id_required") or "")
    except RateLimited as exc:
        return _login_refused(request, context, error_text(exc.code) or "", exc.retry_after)
    except AttnError as exc:
        if exc.status != 401:
            raise
        return _login_refused(request, context, error_text(exc.code) or exc.message)
    response = RedirectResponse(safe_next(next) or home_of(result.session), status_code=303)
    set_session_cookies(response, request, settings, result)
    return response


def _login_context(next_url: str | None, **form: object) -> dict[str, object]:
    return {"next": safe_next(next_url) or "", "form": form, "error": None}


def _login_refused(
    request: Request, context: dict[str, object], message: str, retry_after: int | None = None
) -> Response:
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    status = 429 if retry_after else 401
    context = {**context, "error": message}
    return render(request, "auth/login.html", context, status_code=status, headers=headers)


@router.post("/logout")
async def logout(
    request: Request,
    viewer: Viewer,
    redis: RedisDep,
    settings: SettingsDep,
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
) -> Response:
    """End this session (the others of a teacher stay) and go back to the landing page."""
    check_same_origin(request)
    response = RedirectResponse("/", status_code=303)
    if viewer is not None:
        check_form_token(settings, viewer, csrf_token)
        await auth.logout(redis, viewer)
    clear_session_cookies(response)
    return response


@router.post("/language")
async def choose_language(
    request: Request, language: FormText = "", next: FormText = ""
) -> Response:
    """Switch the pages' language and remember it in a cookie (logged in or not)."""
    check_same_origin(request)
    response = RedirectResponse(safe_next(next) or "/", status_code=303)
    if language in i18n.LANGUAGES:
        response.set_cookie(
            i18n.LANGUAGE_COOKIE,
            language,
            max_age=LANGUAGE_COOKIE_DAYS * 86_400,
            path="/",
            samesite="lax",
            secure=request.url.scheme == "https",
        )
    return response
