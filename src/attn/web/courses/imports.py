"""A roster's CSV import in three steps, as the admin's user import: upload the file, read
the preview (every row to create, enrol or leave, every problem with its line; nothing
written), confirm and read the result. The preview is a page of its own
(``/courses/{id}/import/<draft>``), so reloading it is harmless; confirming takes the file,
so a second click cannot import it twice."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from attn.api.courses import MAX_ROSTER_ROWS
from attn.api.deps import ClockDep, RedisDep, SessionDep, SettingsDep
from attn.api.users import MAX_IMPORT_BYTES
from attn.db.sql.course_rows import CourseRow
from attn.errors import InvalidCsv
from attn.models import UserRedis
from attn.services.accounts.import_preview import DRAFT_ID_PATTERN
from attn.services.courses import roster_drafts, roster_import
from attn.web.admin.common import CsrfToken, check_form
from attn.web.context import CSRF_FIELD, check_same_origin
from attn.web.courses.common import (
    StaffViewer,
    course_url,
    managed,
    problem_text,
    render_course_page,
)
from attn.web.i18n import gettext as _

router = APIRouter(include_in_schema=False)
DraftId = Annotated[str, Path(pattern=DRAFT_ID_PATTERN)]


@router.get("/courses/{course_id}/import", response_class=HTMLResponse)
async def upload_form(
    request: Request, course_id: str, viewer: StaffViewer, session: SessionDep
) -> Response:
    course = await managed(session, viewer, course_id)
    return _upload_page(request, viewer, course, None)


@router.post("/courses/{course_id}/import", response_class=HTMLResponse)
async def upload(
    request: Request,
    course_id: str,
    viewer: StaffViewer,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> Response:
    """Keep the file for the preview and go there; else the form with what is wrong."""
    check_same_origin(request)  # before a cross-site body is even parsed
    async with request.form(max_files=1, max_fields=5) as form:
        check_form(request, settings, viewer, str(form.get(CSRF_FIELD) or ""))
        upload = form.get("file")
        data = await upload.read(MAX_IMPORT_BYTES + 1) if isinstance(upload, UploadFile) else b""
    course = await managed(session, viewer, course_id)
    if not data:
        return _upload_page(request, viewer, course, _("Choose a CSV file that is not empty."))
    if len(data) > MAX_IMPORT_BYTES:
        message = _("The file is larger than %(size)s MB.") % {"size": MAX_IMPORT_BYTES >> 20}
        return _upload_page(request, viewer, course, message)
    draft_id = await roster_drafts.stage(redis, viewer.user_number, course.course_id, data)
    return RedirectResponse(course_url(course.course_id, "import", draft_id), status_code=303)


def _upload_page(
    request: Request,
    viewer: UserRedis,
    course: CourseRow,
    error: str | None,
    *,
    expired: bool = False,
) -> Response:
    context = {"course": course, "error": error, "expired": expired, "max_rows": MAX_ROSTER_ROWS}
    status = 404 if expired else 422 if error else 200
    return render_course_page(request, viewer, "courses/import.html", context, status_code=status)


@router.get("/courses/{course_id}/import/{draft_id}", response_class=HTMLResponse)
async def preview(
    request: Request,
    course_id: str,
    draft_id: DraftId,
    viewer: StaffViewer,
    redis: RedisDep,
    session: SessionDep,
) -> Response:
    """What the file would do, checked against the directory and roster now."""
    course = await managed(session, viewer, course_id)
    data = await roster_drafts.staged(redis, viewer.user_number, course.course_id, draft_id)
    if data is None:
        return _upload_page(request, viewer, course, None, expired=True)
    plan = await roster_import.plan_import(session, course, data, max_rows=MAX_ROSTER_ROWS)
    context = {"course": course, "draft_id": draft_id, "plan": plan, "problem_text": problem_text}
    return render_course_page(request, viewer, "courses/import_preview.html", context)


@router.post("/courses/{course_id}/import/{draft_id}", response_class=HTMLResponse)
async def confirm(
    request: Request,
    course_id: str,
    draft_id: DraftId,
    viewer: StaffViewer,
    redis: RedisDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    csrf_token: CsrfToken = "",
) -> Response:
    """Import the previewed file (all or nothing, checked again) and show what was done."""
    check_form(request, settings, viewer, csrf_token)
    course = await managed(session, viewer, course_id)
    data = await roster_drafts.staged(
        redis, viewer.user_number, course.course_id, draft_id, take=True
    )
    if data is None:
        return _upload_page(request, viewer, course, None, expired=True)
    context: dict[str, Any] = {"course": course, "result": None, "problems": []}
    context["problem_text"] = problem_text
    try:
        context["result"] = await roster_import.import_roster(
            session, redis, course, data, actor=viewer.user_number, now=clock.now(),
            max_rows=MAX_ROSTER_ROWS,
        )  # fmt: skip
    except InvalidCsv as exc:  # raised before anything is written
        context["problems"] = exc.details or []
        return render_course_page(
            request, viewer, "courses/import_result.html", context, status_code=422
        )
    return render_course_page(request, viewer, "courses/import_result.html", context)
