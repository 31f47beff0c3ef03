"""What the admin's page handlers share: the admin viewer, the form check every post
makes, and the words for a form's invalid fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Form, Request
from pydantic import ValidationError

from attn.config import Settings
from attn.models import Role, UserRedis
from attn.web.context import CSRF_FIELD, check_form_token, check_same_origin, viewer_with_role
from attn.web.i18n import gettext as _

AdminViewer = Annotated[UserRedis, Depends(viewer_with_role(Role.ADMIN))]
FormText = Annotated[str, Form()]
CsrfToken = Annotated[str, Form(alias=CSRF_FIELD)]


def check_form(request: Request, settings: Settings, viewer: UserRedis, token: str) -> None:
    """Every admin form post: from this site, with this session's token."""
    check_same_origin(request)
    check_form_token(settings, viewer, token)


def field_words() -> dict[str, str]:
    """What to fix, per field of the account forms, in the page's language."""
    return {
        "user_number": _(
            "Enter a school number: up to 32 letters, digits, dots, dashes or underscores "
            "(not self, roster or face_verification: they are reserved)."
        ),
        "full_name": _("Enter the full name: up to 200 characters, no control characters."),
        "role": _("Choose a role."),
        "password": _("A password has 8 to 256 characters."),
    }


def field_errors(exc: ValidationError, words: Mapping[str, str] | None = None) -> dict[str, str]:
    """``{field: what to fix}`` for each invalid field (never the value typed)."""
    words = words or field_words()
    errors: dict[str, str] = {}
    for error in exc.errors(include_input=False, include_url=False):
        location = error.get("loc", ())
        name = str(location[0]) if location else ""
        errors.setdefault(name, words.get(name, _("Some of what you entered is not valid.")))
    return errors


def role_names() -> dict[str, str]:
    return {Role.STUDENT: _("Student"), Role.TEACHER: _("Teacher"), Role.ADMIN: _("Admin")}
