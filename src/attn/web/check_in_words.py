"""Every sentence the check-in page's script may show, in the page's language.

The script gets them in a JSON block the template renders (no inline script: the CSP), so
the page speaks the viewer's language like the server-rendered pages, and no refusal ever
reaches the student as a raw code or the API's English message.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from attn.models import RecordStatus
from attn.models.api_attendances import RecordOut
from attn.models.types import SELF
from attn.web import i18n
from attn.web.i18n import gettext as _
from attn.web.messages import error_text, refusal_text

ERROR_CODES = (
    "invalid_credentials",
    "invalid_token",
    "unauthorized",
    "remember_invalid",
    "remember_replayed",
    "remember_wrong_device",
    "csrf_failed",
    "wrong_role",
    "rate_limited",
    "too_many_wrong_codes",
    "attendance_not_found",
    "attendance_not_open",
    "attendance_finished",
    "attendance_ended",
    "attendance_deleted",
    "attendance_not_started",
    "code_not_enabled",
    "not_enrolled",
    "device_id_required",
    "device_id_invalid",
    "photo_required",
    "photo_too_large",
    "photo_type",
    "payload_too_large",
    "invalid_input",
    "redis_unavailable",
    "database_unavailable",
    "internal_error",
)
"""What the check-in, the scan, the login and the own-record routes may answer."""

FAIL_REASONS = (
    "code_invalid",
    "network_mismatch",
    "device_reused",
    "face_mismatch",
    "verification_unavailable",
    "verification_timeout",
    "teacher_rejected",
    "not_enrolled",
)


def check_in_words_json() -> Markup:
    """:func:`check_in_words` as the page's JSON block, made once per language: every
    student of a lecture hall opens this page within a minute, and the sentences do not
    change while the server runs."""
    return _words_json(i18n.current().language)


@functools.cache
def _words_json(language: str) -> Markup:
    return htmlsafe_json_dumps(check_in_words())


def check_in_words() -> dict[str, object]:
    """The script's sentences (``%(name)s`` placeholders filled in by the script)."""
    return {
        "errors": {code: error_text(code) for code in ERROR_CODES},
        "reasons": {reason: refusal_text(reason) for reason in FAIL_REASONS},
        "outcomes": _outcomes(),
        "progress": _progress(),
    }


def _outcomes() -> dict[str, str]:
    """What the student's record means, one sentence per case."""
    return {
        "present": _("You are checked in: present."),
        "late": _("You are checked in: late."),
        "pending": _("Your photo is being checked. This page updates by itself."),
        "excused": _("Your teacher marked you as excused."),
        "absent": _("Your teacher marked you as absent."),
        "refused": _("Check-in refused: %(reason)s"),
        "try_again": _("Fix this and check in again."),
        "teacher_rejected": _("Your teacher rejected this check-in."),
        "because": _("Reason: %(reason)s"),
    }


def _progress() -> dict[str, str]:
    """What the page is doing, and what went wrong on the way."""
    return {
        "logged_in_as": _("Logged in as %(name)s (%(number)s)"),
        "logging_in": _("Logging in…"),
        "checking_in": _("Checking in…"),
        "retrying": _("No connection. Retrying in %(seconds)s s…"),
        "login_failed": _("Login failed: %(reason)s"),
        "log_in_again": _("Please log in again."),
        "failed": _("Something went wrong. Try again."),
        "scan_kept": _("The code you scanned is kept for a few minutes, while you log in."),
        "scan_failed": _("The scanned code could not be kept. Type the code on the screen."),
        "code_expired": _("Type the code on the screen now."),
    }


@dataclass(frozen=True)
class RecordView:
    """The student's record as the page says it (the same sentences as the script's)."""

    text: str
    kind: str
    """``ok``, ``wait`` or ``bad``: the status line's colour."""
    may_retry: bool
    """A failed attempt of the student's own: the form is shown again."""


def record_view(record: RecordOut) -> RecordView:
    """What the page says about the student's record, as the script does after a reload;
    a pending photo says to reload, since only the script updates the page by itself."""
    outcomes = _outcomes()
    if record.status is RecordStatus.REJECTED and record.decided_by == SELF:
        reason = refusal_text(record.fail_reason or "")
        text = outcomes["refused"] % {"reason": reason}
        if record.fail_reason == "not_enrolled":  # no attempt of theirs can mend it
            return RecordView(text, "bad", may_retry=False)
        if record.fail_reason != "code_invalid":
            text += " " + outcomes["try_again"]
        return RecordView(text, "bad", may_retry=True)
    if record.status is RecordStatus.REJECTED:
        text = outcomes["teacher_rejected"]
        if record.decision_reason:
            text += " " + outcomes["because"] % {"reason": record.decision_reason}
        return RecordView(text, "bad", may_retry=False)
    if record.status is RecordStatus.PENDING:
        text = _("Your photo is being checked. Reload this page to see the result.")
        return RecordView(text, "wait", may_retry=False)
    return RecordView(outcomes.get(record.status.value, record.status.value), "ok", False)
