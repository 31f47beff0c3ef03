"""The user directory: the list (search by number or name, filter by role and state, pages)
and the form that creates one account."""

from __future__ import annotations

import math
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from attn.api.deps import ClockDep, SessionDep, SettingsDep
from attn.errors import UserExists
from attn.models.api_users import UserCreate
from attn.models.types import Role
from attn.services.accounts import users
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
PAGE_SIZE = 25
STATES = {"active": True, "deactivated": False}


@router.get("/admin/users", response_class=HTMLResponse)
async def directory(
    request: Request,
    viewer: AdminViewer,
    session: SessionDep,
    q: Annotated[str, Query(max_length=100)] = "",
    role: str = "",
    state: str = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Accounts by number; an unknown role or state in the query is simply no filter."""
    chosen_role = Role(role) if role in Role.__members__.values() else None
    found = await users.list_users(
        session,
        role=chosen_role,
        query=q,
        active=STATES.get(state),
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    filters = {"q": q, "role": chosen_role or "", "state": state if state in STATES else ""}
    pages = max(1, math.ceil(found.total / PAGE_SIZE))
    context = {
        "section": "users",
        "rows": found.items,
        "total": found.total,
        "page": page,
        "pages": pages,
        "previous": _page_url(filters, page - 1) if page > 1 else None,
        "next": _page_url(filters, page + 1) if page < pages else None,
        "filters": filters,
        "roles": role_names(),
    }
    return render(request, "admin/users.html", context)


def _page_url(filters: dict[str, str], page: int) -> str:
    query = {name: value for name, value in filters.items() if value}
    return "/admin/users?" + urlencode({**query, "page": page})


@router.get("/admin/users/new", response_class=HTMLResponse)
async def new_user_form(request: Request, viewer: AdminViewer) -> Response:
    return _new_user_page(request, {}, {})


@router.post("/admin/users", response_class=HTMLResponse)
async def create_user(
    request: Request,
    viewer: AdminViewer,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    csrf_token: CsrfToken = "",
    user_number: FormText = "",
    full_name: FormText = "",
    role: FormText = "",
    password: FormText = "",
) -> Response:
    """Create the account and show it; else the form again with what to fix."""
    check_form(request, settings, viewer, csrf_token)
    typed = {"user_number": user_number.strip(), "full_name": full_name, "role": role}
    try:
        body = UserCreate.model_validate({**typed, "password": password or None})
    except ValidationError as exc:
        return _new_user_page(request, typed, field_errors(exc), status_code=422)
    try:
        row = await users.create_user(
            session, settings, body, actor=viewer.user_number, now=clock.now()
        )
    except UserExists:
        errors = {"user_number": _("There is already a user with this number.")}
        return _new_user_page(request, typed, errors, status_code=409)
    return RedirectResponse(f"/admin/users/{row.user_number}?done=created", status_code=303)


def _new_user_page(
    request: Request, form: dict[str, str], errors: dict[str, str], *, status_code: int = 200
) -> Response:
    context = {"section": "new", "form": form, "errors": errors, "roles": role_names()}
    return render(request, "admin/user_new.html", context, status_code=status_code)
