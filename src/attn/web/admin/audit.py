"""The audit log page: a GET form of filters (actor, attendance, student, dates in the
installation's time zone) and the entries newest first, a page at a time."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from attn.api.deps import SessionDep, SettingsDep
from attn.config import Settings
from attn.db.sql.rows import AuditFilter
from attn.models.types import USER_NUMBER_PATTERN
from attn.services import audit_log
from attn.web.admin.audit_words import action_text, details_text
from attn.web.admin.common import AdminViewer
from attn.web.i18n import gettext as _
from attn.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
_NUMBER = re.compile(USER_NUMBER_PATTERN)
FilterText = Annotated[str, Query(max_length=64)]
MIN_YEAR, MAX_YEAR = 1900, 9000
"""Dates outside are typing errors (and near year 1 or 9999 a day's bounds overflow)."""


@router.get("/admin/audit", response_class=HTMLResponse)
async def audit_page(
    request: Request,
    viewer: AdminViewer,
    session: SessionDep,
    settings: SettingsDep,
    actor: FilterText = "",
    attendance: FilterText = "",
    student: FilterText = "",
    from_: Annotated[str, Query(alias="from", max_length=10)] = "",
    to: FilterText = "",
    older_than: FilterText = "",
) -> Response:
    """Entries matching the filters; a filter that is not valid is named on the form."""
    typed = {"actor": actor, "attendance": attendance, "student": student, "from": from_, "to": to}
    typed = {name: value.strip() for name, value in typed.items()}
    where, errors = _filter(typed, settings)
    context: dict[str, Any] = {"section": "audit", "form": typed, "errors": errors, "rows": []}
    context.update(older=None, action_text=action_text, details_text=details_text)
    if not errors:
        page = await audit_log.read_audit(
            session, where, limit=PAGE_SIZE, older_than=older_than or None
        )
        context["rows"] = page.items
        if page.next:
            query = {name: value for name, value in typed.items() if value}
            context["older"] = "/admin/audit?" + urlencode({**query, "older_than": page.next})
    status = 422 if errors else 200
    return render(request, "admin/audit.html", context, status_code=status)


def _filter(typed: dict[str, str], settings: Settings) -> tuple[AuditFilter, dict[str, str]]:
    """The filter of what was typed, and what to fix in it by field."""
    errors: dict[str, str] = {}
    for name in ("actor", "student"):
        if typed[name] and not _NUMBER.match(typed[name]):
            errors[name] = _("Enter a school number.")
    attendance_id = None
    if typed["attendance"]:
        try:
            attendance_id = UUID(typed["attendance"])
        except ValueError:
            errors["attendance"] = _("Enter an attendance id as shown on its page.")
    first, last = _day(typed, "from", errors), _day(typed, "to", errors)
    if first and last and first > last:
        errors["to"] = _("The end date must not be before the start date.")
    where = AuditFilter(
        actor=typed["actor"] or None,
        attendance_id=attendance_id,
        student_number=typed["student"] or None,
        since=_midnight(first, settings) if first else None,
        until=_midnight(last + timedelta(days=1), settings) if last else None,
    )
    return where, errors


def _day(typed: dict[str, str], name: str, errors: dict[str, str]) -> date | None:
    """The date typed in field ``name`` (None: empty); a bad one is noted in ``errors``."""
    if not typed[name]:
        return None
    try:
        day = date.fromisoformat(typed[name])
    except ValueError:
        day = None
    if day is None or not MIN_YEAR <= day.year <= MAX_YEAR:
        errors[name] = _("Enter a date such as 2026-12-31.")
        return None
    return day


def _midnight(day: date, settings: Settings) -> datetime:
    """The start of ``day`` in the installation's time zone (dates are what people read)."""
    return datetime.combine(day, time(), tzinfo=settings.zone)
