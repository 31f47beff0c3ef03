"""The audit log in words: each action as a sentence, each detail with a label, in the
page's language (the stored entries keep their codes and raw values)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from attn.web.i18n import gettext as _

MAX_VALUE_LENGTH = 200


def action_text(action: str) -> str:
    """What an entry's ``action`` did; an action without words shows as its code."""
    return {
        "attendance_started": _("Attendance started"),
        "attendance_finished": _("Attendance finished"),
        "attendance_edited": _("Attendance edited"),
        "attendance_deleted": _("Attendance deleted"),
        "record_accepted": _("Check-in accepted"),
        "record_rejected": _("Check-in rejected"),
        "record_saved": _("Record set by hand"),
        "record_deleted": _("Record deleted"),
        "late_face_result": _("Late face verification result"),
        "excuse_requested": _("Excuse requested"),
        "excuse_approved": _("Excuse approved"),
        "excuse_declined": _("Excuse declined"),
        "user_created": _("User created"),
        "user_updated": _("User corrected"),
        "users_imported": _("Users imported"),
        "user_deactivated": _("User deactivated"),
        "user_reactivated": _("User reactivated"),
        "password_reset": _("Password reset"),
        "sessions_ended": _("Sessions ended"),
    }.get(action, action)


def _labels() -> dict[str, str]:
    return {
        "reason": _("Reason"),
        "user_number": _("User"),
        "role": _("Role"),
        "lesson_name": _("Lesson"),
        "status": _("Status"),
        "before": _("Before"),
        "after": _("After"),
        "sessions": _("Sessions ended"),
        "created": _("Created"),
        "updated": _("Updated"),
        "skipped": _("Skipped"),
        "note": _("Note"),
        "file": _("File"),
    }


SKIPPED = frozenset({"created_numbers", "updated_numbers", "skipped_numbers"})
"""Long lists the counts already summarise (the API shows them whole)."""


def details_text(details: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(label, value)`` for each detail worth showing, known ones labelled in words."""
    labels = _labels()
    shown = []
    for key, value in details.items():
        if key in SKIPPED:
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        if len(text) > MAX_VALUE_LENGTH:
            text = text[: MAX_VALUE_LENGTH - 1] + "…"
        shown.append((labels.get(key, key), text))
    return shown
