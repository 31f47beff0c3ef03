"""One user's page and the changes an admin makes there: name and role, a new password,
deactivation (after a confirmation step) and reactivation, ending their sessions (after a
confirmation step). Each answers with a redirect back to the user's page, which says what
was done, or with the form again and what to fix."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from attn.api.deps import ClockDep, RedisDep, SessionDep, SettingsDep
from attn.db.sql.rows import UserRow
from attn.errors import OwnAccount
from attn.models.api_users import PasswordReset, UserUpdate
from attn.models.types import USER_NUMBER_PATTERN
from attn.services.accounts import access, users
from attn.web.admin.common import (
    AdminViewer,
    CsrfToken,
    FormText,
    check_form,
    field_errors,
    role_names,
)
from attn.web.i18n import gettext as _
from attn.web.templating import render

router = APIRouter(include_in_schema=False)
Number = Annotated[str, Path(pattern=USER_NUMBER_PATTERN)]
CONFIRMED = ("deactivate", "end-sessions")
"""The changes that take a confirmation step (a GET page with the one button that posts)."""


def _done(number: str, what: str) -> Response:
    return RedirectResponse(f"/admin/users/{number}?done={what}", status_code=303)


def done_words() -> dict[str, str]:
    return {
        "created": _("The user was created."),
        "saved": _("The changes were saved."),
        "password": _("The new password is set. Every session of this user has ended."),
        "deactivated": _("The user was deactivated. They cannot log in; their records stay."),
        "reactivated": _("The user was reactivated and can log in again."),
        "sessions": _("Every session of this user has ended."),
    }


@router.get("/admin/users/{number}", response_class=HTMLResponse)
async def account_page(
    request: Request, number: Number, viewer: AdminViewer, session: SessionDep, done: str = ""
) -> Response:
    user = await access.get_user(session, number)
    return account_view(request, viewer, user, notice=done_words().get(done))


def account_view(
    request: Request,
    viewer: AdminViewer,
    user: UserRow,
    *,
    notice: str | None = None,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "section": "users",
        "user": user,
        "own": user.user_number == viewer.user_number,
        "notice": notice,
        "errors": errors or {},
        "form": form or {"full_name": user.full_name, "role": user.role.value},
        "roles": role_names(),
    }
    return render(request, "admin/user.html", context, status_code=status_code)


@router.post("/admin/users/{number}", response_class=HTMLResponse)
async def edit(
    request: Request,
    number: Number,
    viewer: AdminViewer,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    clock: ClockDep,
    csrf_token: CsrfToken = "",
    full_name: FormText = "",
    role: FormText = "",
) -> Response:
    """Correct the name and role (a new role ends the user's sessions)."""
    check_form(request, settings, viewer, csrf_token)
    user = await access.get_user(session, number)
    typed = {"full_name": full_name, "role": role}
    try:
        body = UserUpdate.model_validate(typed)
    except ValidationError as exc:
        errors = field_errors(exc)
        return account_view(request, viewer, user, errors=errors, form=typed, status_code=422)
    await users.update_user(session, redis, number, body, actor=viewer.user_number, now=clock.now())
    return _done(number, "saved")


@router.post("/admin/users/{number}/password", response_class=HTMLResponse)
async def reset_password(
    request: Request,
    number: Number,
    viewer: AdminViewer,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    clock: ClockDep,
    csrf_token: CsrfToken = "",
    password: FormText = "",
) -> Response:
    """Set a new password; every session of the user ends."""
    check_form(request, settings, viewer, csrf_token)
    user = await access.get_user(session, number)
    try:
        body = PasswordReset(password=password)
    except ValidationError as exc:
        errors = field_errors(exc)
        return account_view(request, viewer, user, errors=errors, status_code=422)
    await access.reset_password(
        session, redis, settings, number, body.password, actor=viewer.user_number, now=clock.now()
    )
    return _done(number, "password")


@router.get("/admin/users/{number}/{change}", response_class=HTMLResponse)
async def confirm_page(
    request: Request, number: Number, change: str, viewer: AdminViewer, session: SessionDep
) -> Response:
    """The confirmation step of a change that locks someone out."""
    user = await access.get_user(session, number)
    if change not in CONFIRMED:
        return render(request, "not_found.html", status_code=404)
    context = {"section": "users", "user": user, "change": change, "error": None}
    return render(request, "admin/confirm.html", context)


@router.post("/admin/users/{number}/deactivate", response_class=HTMLResponse)
async def deactivate(
    request: Request,
    number: Number,
    viewer: AdminViewer,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    clock: ClockDep,
    csrf_token: CsrfToken = "",
) -> Response:
    check_form(request, settings, viewer, csrf_token)
    try:
        await access.deactivate(session, redis, number, actor=viewer.user_number, now=clock.now())
    except OwnAccount:
        user = await access.get_user(session, number)
        error = _("You cannot deactivate the account you are logged in with.")
        context = {"section": "users", "user": user, "change": "deactivate", "error": error}
        return render(request, "admin/confirm.html", context, status_code=409)
    return _done(number, "deactivated")


@router.post("/admin/users/{number}/reactivate", response_class=HTMLResponse)
async def reactivate(
    request: Request,
    number: Number,
    viewer: AdminViewer,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    clock: ClockDep,
    csrf_token: CsrfToken = "",
) -> Response:
    check_form(request, settings, viewer, csrf_token)
    await access.reactivate(session, redis, number, actor=viewer.user_number, now=clock.now())
    return _done(number, "reactivated")


@router.post("/admin/users/{number}/end-sessions", response_class=HTMLResponse)
async def end_sessions(
    request: Request,
    number: Number,
    viewer: AdminViewer,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    clock: ClockDep,
    csrf_token: CsrfToken = "",
) -> Response:
    check_form(request, settings, viewer, csrf_token)
    await users.end_sessions(session, redis, number, actor=viewer.user_number, now=clock.now())
    return _done(number, "sessions")
