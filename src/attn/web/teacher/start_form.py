"""The start form: what the teacher typed, read into the API's own
:class:`~attn.models.api_attendances.StartAttendanceIn`, and every refusal (the model's or
the service's) put next to the field it is about, in the page's language.

Every field is kept as typed text, so a form shown again with its errors shows exactly
what was sent. An end time is a local clock time (the installation's zone): the next time
the clock shows it, so 00:30 typed at 23:30 is tomorrow's; the service's maximum length
refuses a time that has just passed (it would be almost a day away).
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta, tzinfo
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ValidationError

from attn.errors import AttnError
from attn.models.api_attendances import StartAttendanceIn
from attn.web.i18n import gettext as _
from attn.web.teacher.common import FieldErrors, validation_errors

EndBy = Literal["duration", "end_time"]
DEFAULT_DURATION = "60"
_NETWORK_SEPARATORS = re.compile(r"[\s,;]+")
_CLOCK = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


class StartFields(BaseModel):
    """The form as posted (a checkbox is present when ticked); nothing refused here."""

    csrf_token: str = ""
    course_id: str = ""
    """One of the teacher's courses; empty: an ad-hoc attendance."""
    lesson_name: str = ""
    end_by: str = "duration"
    duration_minutes: str = ""
    end_time: str = ""
    late_after_minutes: str = ""
    check_code: str = ""
    check_network: str = ""
    allowed_networks: str = ""
    check_device: str = ""
    check_face: str = ""

    @classmethod
    def blank(cls, allowed_networks: list[str]) -> StartFields:
        """A new form: an hour long, the code check on, the teacher's own network ready."""
        return cls(
            duration_minutes=DEFAULT_DURATION,
            check_code="on",
            allowed_networks="\n".join(allowed_networks),
        )

    @property
    def ends_by(self) -> EndBy:
        return "end_time" if self.end_by == "end_time" else "duration"


def field_words(max_minutes: int) -> dict[str, str]:
    """What to say about each field the model or the service refuses."""
    return {
        "course_id": _("Choose one of the courses you teach, or “No course”."),
        "lesson_name": _("Enter the lesson name (at most 200 characters)."),
        "duration_minutes": _("Enter the duration in whole minutes, from 1 to %(max)s.")
        % {"max": max_minutes},
        "end_time": _("Enter an end time like 10:30, at most %(max)s minutes from the start.")
        % {"max": max_minutes},
        "late_after_minutes": _("Enter whole minutes from 0 to 1440, or leave it empty."),
        "allowed_networks": _("Enter networks like 10.20.30.0/24, one per line."),
        "check_face": _("Face verification is not available on this server."),
        "": _("Some of what you entered is not valid."),
    }


def read_start_form(
    fields: StartFields, now: datetime, zone: tzinfo, max_minutes: int
) -> tuple[StartAttendanceIn | None, FieldErrors]:
    """The request the form asks for, or the fields that are wrong."""
    words = field_words(max_minutes)
    errors: FieldErrors = {}
    body: dict[str, object] = {"lesson_name": fields.lesson_name}
    if fields.course_id.strip():
        course_id = _uuid(fields.course_id)
        _put(body, errors, words, "course_id", "course_id", course_id)
        if not fields.lesson_name.strip():  # the course's name, given by the service
            del body["lesson_name"]
    if fields.ends_by == "end_time":
        ends_at = _end_time(fields.end_time, now, zone)
        _put(body, errors, words, "ends_at", "end_time", ends_at)
    else:
        _put(
            body,
            errors,
            words,
            "duration_minutes",
            "duration_minutes",
            _whole(fields.duration_minutes, required=True),
        )
    late = _whole(fields.late_after_minutes, required=False)
    _put(body, errors, words, "late_after_minutes", "late_after_minutes", late)
    body["checks"] = _checks(fields)
    try:
        request = StartAttendanceIn.model_validate(body)
    except ValidationError as error:
        renamed = {"ends_at": words["end_time"], "checks": words["allowed_networks"]}
        found = validation_errors(error, {**words, **renamed})
        errors.update({_form_field(name): text for name, text in found.items()})
        if len(errors) > 1:
            errors.pop("", None)  # a missing end, say, already named by its field
        return None, in_form_order(errors)
    return (None, in_form_order(errors)) if errors else (request, errors)


def in_form_order(errors: FieldErrors) -> FieldErrors:
    """The summary lists the problems in the order of the fields."""
    return dict(sorted(errors.items(), key=lambda item: _ORDER.get(item[0], len(_ORDER))))


def refusal_errors(error: AttnError, fields: StartFields, max_minutes: int) -> FieldErrors:
    """The service's refusal of a well-formed request, next to its field when it has one."""
    words = field_words(max_minutes)
    field = str(error.details.get("field", "")) if error.details else ""
    if field in ("ends_at", "duration_minutes", "starts_at"):
        target = "end_time" if fields.ends_by == "end_time" else "duration_minutes"
        return {target: words[target]}
    if error.code in ("not_your_course", "course_not_found"):
        return {"course_id": course_refusal(error.code)}
    if error.code == "face_unavailable":
        return {"check_face": words["check_face"]}
    if error.code == "network_unknown":
        return {
            "allowed_networks": _(
                "Your network address is unknown: enter the classroom's networks."
            )
        }
    return {}


def course_refusal(code: str) -> str:
    """Why the chosen course cannot be started, in the page's language."""
    if code == "course_not_found":
        return _("That course does not exist: choose one of the courses you teach, or “No course”.")
    return _(
        "That course is not one of yours: choose one of the courses you teach, or “No course”."
    )


def _put(
    body: dict[str, object],
    errors: FieldErrors,
    words: dict[str, str],
    key: str,
    field: str,
    value: object,
) -> None:
    if value is _INVALID:
        errors[field] = words[field]
    elif value is not None:
        body[key] = value


_INVALID = object()
_ORDER = {
    name: index
    for index, name in enumerate(
        (
            "course_id",
            "lesson_name",
            "duration_minutes",
            "end_time",
            "late_after_minutes",
            "allowed_networks",
            "check_face",
        )
    )
}


def _uuid(text: str) -> object:
    """A course id as the form's select sends it, else ``_INVALID``."""
    try:
        return UUID(text.strip())
    except ValueError:
        return _INVALID


def _whole(text: str, *, required: bool) -> object:
    """Whole minutes from the text, None when empty (and allowed), else ``_INVALID``."""
    text = text.strip()
    if not text:
        return _INVALID if required else None
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else _INVALID


def _end_time(text: str, now: datetime, zone: tzinfo) -> object:
    """The next instant the local clock shows ``HH:MM`` (``HH.MM`` too), or ``_INVALID``."""
    found = _CLOCK.match(text.strip())
    if not found:
        return _INVALID
    clock = time(int(found.group(1)), int(found.group(2)))
    local_now = now.astimezone(zone)
    candidate = datetime.combine(local_now.date(), clock, tzinfo=zone)
    if candidate <= local_now:
        candidate = datetime.combine(local_now.date() + timedelta(days=1), clock, tzinfo=zone)
    return candidate


def _checks(fields: StartFields) -> dict[str, object]:
    """The ticked checks; the networks count only with the network check on."""
    checks: dict[str, object] = {
        "code": bool(fields.check_code),
        "network": bool(fields.check_network),
        "device": bool(fields.check_device),
        "face": bool(fields.check_face),
    }
    if fields.check_network:
        checks["allowed_networks"] = network_list(fields.allowed_networks)
    return checks


def network_list(text: str) -> list[str]:
    return [entry for entry in _NETWORK_SEPARATORS.split(text) if entry]


def _form_field(name: str) -> str:
    return {"ends_at": "end_time", "checks": "allowed_networks"}.get(name, name)
