"""What the teacher's page modules share: who may look, the ids in their paths, a posted
form's trust checks, and turning a validation error into words next to its field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import quote
from uuid import UUID

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from attn.api.deps import ClockDep, RedisDep, RuntimeDep, SessionDep
from attn.config import Settings
from attn.db.redis_client import RedisClient
from attn.errors import AttendanceNotFound
from attn.models import CheckSettings, Role, UserRedis
from attn.models.types import USER_NUMBER_PATTERN
from attn.runtime import Runtime
from attn.services.attendance.locate import record_not_found
from attn.web.context import CSRF_FIELD, check_form_token, check_same_origin, viewer_with_role
from attn.web.i18n import gettext as _
from attn.web.messages import attendance_state_text, record_status_text
from attn.web.templating import render

TeacherViewer = Annotated[UserRedis, Depends(viewer_with_role(Role.TEACHER))]
"""The teacher's own pages: home, start, history."""
StaffViewer = Annotated[UserRedis, Depends(viewer_with_role(Role.TEACHER, Role.ADMIN))]
"""One attendance's pages: its teacher, or an admin (the services check which)."""
FormText = Annotated[str, Form()]
CsrfToken = Annotated[str, Form(alias=CSRF_FIELD)]


@dataclass(frozen=True)
class Services:
    """What a page handler hands its service: the clients, the settings, the time."""

    runtime: Runtime
    redis: RedisClient
    session: AsyncSession
    now: datetime

    @property
    def settings(self) -> Settings:
        return self.runtime.settings


async def page_services(
    runtime: RuntimeDep, redis: RedisDep, session: SessionDep, clock: ClockDep
) -> Services:
    return Services(runtime, redis, session, clock.now())


ServicesDep = Annotated[Services, Depends(page_services)]

FieldErrors = dict[str, str]
"""A form's problems: the field's id (``""`` for the form as a whole) to a sentence."""

_USER_NUMBER = re.compile(USER_NUMBER_PATTERN)


def attendance_id_of(text: str) -> UUID:
    """The path's attendance id; anything that is not a UUID is a page that does not exist
    (404), not malformed input."""
    try:
        return UUID(text)
    except ValueError:
        raise AttendanceNotFound("no such attendance") from None


def student_number_of(attendance_id: UUID, text: str) -> str:
    if not _USER_NUMBER.fullmatch(text):
        raise record_not_found(attendance_id, text[:32])
    return text


def check_form(request: Request, settings: Settings, viewer: UserRedis, token: str) -> None:
    """Every form post of these pages: from this site, with this session's token."""
    check_same_origin(request)
    check_form_token(settings, viewer, token)


def validation_errors(error: ValidationError, words: Mapping[str, str]) -> FieldErrors:
    """The fields a model refused, each with its sentence from ``words`` (by field name;
    a field without words is the form's problem, ``""``)."""
    found: FieldErrors = {}
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else ""
        field = name if name in words else ""
        found.setdefault(field, words.get(name) or words.get("", ""))
    return found


def attendance_url(attendance_id: UUID, *parts: str) -> str:
    return "/".join([f"/teacher/attendances/{attendance_id}", *(quote(p) for p in parts)])


def fail_text(reason: str) -> str:
    """Why a record was rejected, as the teacher reads it (the student's words say "you")."""
    return {
        "code_invalid": _("Wrong or expired code"),
        "network_mismatch": _("Not on the classroom network"),
        "device_reused": _("Phone already used for another student"),
        "face_mismatch": _("The photo did not match"),
        "verification_unavailable": _("Face verification was not available"),
        "verification_timeout": _("Face verification did not answer in time"),
        "teacher_rejected": _("Rejected by the teacher"),
    }.get(reason, reason)


def check_names(checks: CheckSettings) -> str:
    """The checks an attendance was started with, in words."""
    names = []
    if checks.code:
        names.append(_("code on the screen"))
    if checks.network:
        networks = ", ".join(checks.allowed_networks)
        names.append(_("classroom network (%(networks)s)") % {"networks": networks})
    if checks.device:
        names.append(_("one phone per student"))
    if checks.face:
        names.append(_("face verification"))
    return ", ".join(names) or _("none")


WORDS = {
    "state_text": attendance_state_text,
    "status_text": record_status_text,
    "fail_text": fail_text,
    "check_names": check_names,
    "attendance_url": attendance_url,
}
"""The words of states, statuses and refusals, for every teacher template."""


def render_page(
    request: Request,
    template: str,
    context: Mapping[str, object],
    *,
    status_code: int = 200,
) -> HTMLResponse:
    return render(request, template, {**WORDS, **context}, status_code=status_code)
