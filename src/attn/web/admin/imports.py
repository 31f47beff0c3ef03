"""The CSV import in three steps: upload the file, read the preview (every row to create,
update or skip and every problem with its line; nothing written), confirm, read the result.

The file waits between preview and confirmation in Redis (see
:mod:`attn.services.accounts.import_preview`); the preview is a page of its own
(``/admin/import/<draft>``), so reloading it is harmless, and confirming takes the file,
so a second click cannot import it twice.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from attn.api.deps import ClockDep, RedisDep, SessionDep, SettingsDep
from attn.api.users import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS
from attn.errors import InvalidCsv
from attn.models.api_users import OnExisting
from attn.services.accounts import import_preview
from attn.services.accounts.import_preview import DRAFT_ID_PATTERN, Draft
from attn.web.admin.common import AdminViewer, CsrfToken, check_form, role_names
from attn.web.admin.import_words import problem_text
from attn.web.context import CSRF_FIELD, check_same_origin
from attn.web.i18n import gettext as _
from attn.web.templating import render

router = APIRouter(include_in_schema=False)
DraftId = Annotated[str, Path(pattern=DRAFT_ID_PATTERN)]
UPLOAD_PATH = "/admin/import"


@router.get(UPLOAD_PATH, response_class=HTMLResponse)
async def upload_form(request: Request, viewer: AdminViewer) -> Response:
    return _upload_page(request, OnExisting.ERROR, None)


@router.post(UPLOAD_PATH, response_class=HTMLResponse)
async def upload(
    request: Request, viewer: AdminViewer, redis: RedisDep, settings: SettingsDep
) -> Response:
    """Keep the file for the preview and go there; else the form with what is wrong."""
    check_same_origin(request)  # before a cross-site body is even parsed
    async with request.form(max_files=1, max_fields=5) as form:
        check_form(request, settings, viewer, str(form.get(CSRF_FIELD) or ""))
        choice = str(form.get("on_existing") or "")
        on_existing = OnExisting(choice) if choice in OnExisting.__members__.values() else None
        upload = form.get("file")
        data = await upload.read(MAX_IMPORT_BYTES + 1) if isinstance(upload, UploadFile) else b""
    if on_existing is None:
        message = _("Choose what to do with numbers that exist.")
        return _upload_page(request, OnExisting.ERROR, message)
    if not data:
        return _upload_page(request, on_existing, _("Choose a CSV file that is not empty."))
    if len(data) > MAX_IMPORT_BYTES:
        message = _("The file is larger than %(size)s MB.") % {"size": MAX_IMPORT_BYTES >> 20}
        return _upload_page(request, on_existing, message)
    draft_id = await import_preview.stage(redis, viewer.user_number, Draft(data, on_existing))
    return RedirectResponse(f"{UPLOAD_PATH}/{draft_id}", status_code=303)


def _upload_page(
    request: Request, on_existing: OnExisting, error: str | None, *, expired: bool = False
) -> Response:
    context = {
        "section": "import",
        "on_existing": on_existing.value,
        "error": error,
        "expired": expired,
        "max_rows": MAX_IMPORT_ROWS,
    }
    status = 404 if expired else 422 if error else 200
    return render(request, "admin/import.html", context, status_code=status)


@router.get(UPLOAD_PATH + "/{draft_id}", response_class=HTMLResponse)
async def preview(
    request: Request, draft_id: DraftId, viewer: AdminViewer, redis: RedisDep, session: SessionDep
) -> Response:
    """What the file would do, checked against the directory now; nothing written."""
    draft = await import_preview.staged(redis, viewer.user_number, draft_id)
    if draft is None:
        return _expired(request)
    checked = await import_preview.preview(session, draft, max_rows=MAX_IMPORT_ROWS)
    context = {
        "section": "import",
        "draft_id": draft_id,
        "preview": checked,
        "roles": role_names(),
        "problem_text": problem_text,
    }
    return render(request, "admin/import_preview.html", context)


@router.post(UPLOAD_PATH + "/{draft_id}", response_class=HTMLResponse)
async def confirm(
    request: Request,
    draft_id: DraftId,
    viewer: AdminViewer,
    redis: RedisDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    csrf_token: CsrfToken = "",
) -> Response:
    """Import the previewed file (all or nothing) and show what was done."""
    check_form(request, settings, viewer, csrf_token)
    draft = await import_preview.staged(redis, viewer.user_number, draft_id, take=True)
    if draft is None:
        return _expired(request)
    try:
        result = await import_preview.confirm(
            session,
            redis,
            settings,
            draft,
            actor=viewer.user_number,
            now=clock.now(),
            max_rows=MAX_IMPORT_ROWS,
        )
    except InvalidCsv as exc:  # raised before anything is written
        context = {"section": "import", "result": None, "problems": exc.details or []}
        context["problem_text"] = problem_text
        return render(request, "admin/import_result.html", context, status_code=422)
    context = {"section": "import", "result": result, "problems": [], "problem_text": problem_text}
    return render(request, "admin/import_result.html", context)


def _expired(request: Request) -> Response:
    """The draft is gone (expired, confirmed already, another admin's): upload again."""
    return _upload_page(request, OnExisting.ERROR, None, expired=True)
