"""What the course pages share: who may look, the course of the path (a teacher only
theirs), the layout by role, and the words for the forms' fields and the CSV problems."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from attn.course_errors import CourseNotFound
from attn.db.sql.course_rows import CourseRow
from attn.models import Role, UserRedis
from attn.services.courses import access
from attn.web.context import viewer_with_role
from attn.web.i18n import gettext as _
from attn.web.templating import render

StaffViewer = Annotated[UserRedis, Depends(viewer_with_role(Role.TEACHER, Role.ADMIN))]
"""One course's pages: its teachers and admins (the service checks which)."""


def course_url(course_id: UUID, *parts: str) -> str:
    return "/".join([f"/courses/{course_id}", *parts])


def course_id_of(text: str) -> UUID:
    """The path's course id; anything that is not a UUID is a page that does not exist."""
    try:
        return UUID(text)
    except ValueError:
        raise CourseNotFound("no such course") from None


async def managed(session: AsyncSession, viewer: UserRedis, course_id: str) -> CourseRow:
    """The course of the path if the viewer manages it (404 page, 403 page otherwise)."""
    return await access.managed_course(session, viewer, course_id_of(course_id))


def render_course_page(
    request: Request,
    viewer: UserRedis,
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """A course page in the viewer's layout: the admin's sections, or the teacher's."""
    admin = viewer.role is Role.ADMIN
    page = {
        "layout": "admin/_layout.html" if admin else "courses/_teacher.html",
        "section": "courses",
        "course_url": course_url,
        "is_admin": admin,
        **context,
    }
    return render(request, template, page, status_code=status_code)


def course_field_words() -> dict[str, str]:
    """What to fix, per field of the course and roster forms, in the page's language."""
    return {
        "code": _("Enter a code: up to 32 letters, digits, dots, dashes or underscores."),
        "name": _("Enter the course's name: up to 200 characters."),
        "term": _("Enter the term, e.g. 2026-fall: up to 32 characters."),
        "late_weight_percent": _("Enter a whole number from 0 to 100."),
        "threshold_percent": _("Enter a whole number from 0 to 100."),
        "teacher_numbers": _("Enter teachers' school numbers, separated by commas or spaces."),
        "student_number": _(
            "Enter a school number: up to 32 letters, digits, dots, dashes or underscores."
        ),
        "full_name": _("Enter the full name: up to 200 characters, no control characters."),
    }


def numbers_in(text: str) -> list[str]:
    """School numbers typed in one field, separated by commas, semicolons or spaces."""
    return [part for part in text.replace(",", " ").replace(";", " ").split() if part]


def problem_text(code: str) -> str:
    """A roster file's problem in words (the codes of ``services.courses.roster_import``)."""
    return {
        "bad_encoding": _("The file is not text in a known encoding."),
        "bad_csv": _("The line cannot be read as CSV (a quote not closed?)."),
        "bad_header": _("The first line names other columns than expected."),
        "wrong_column_count": _("The line needs 2 columns: school number and full name."),
        "invalid_row": _("A value is not valid."),
        "duplicate_in_file": _("This number is in the file twice."),
        "not_a_student": _("This number is a teacher's or admin's account."),
        "too_many_rows": _("The file has too many rows: split it."),
        "empty_file": _("The file has no student rows."),
    }.get(code, code)
