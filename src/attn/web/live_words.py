"""The live list's words for its script and its rows: why a check-in was rejected, as the
teacher reads it (:func:`attn.web.messages.refusal_text` speaks to the student), and the
sentences the script fills in."""

from __future__ import annotations

from typing import Any

from attn.db.redis.records import NOT_ENROLLED
from attn.models.api_attendances import RecordOut
from attn.services.attendance.records import TEACHER_REJECTED
from attn.web.i18n import gettext as _
from attn.web.messages import record_status_text

STATUSES = ("present", "late", "pending", "rejected", "excused", "absent")


def why_text(reason: str) -> str:
    """Why the check-in of a record was refused, for the teacher."""
    return {
        "code_invalid": _("Wrong or expired code"),
        "network_mismatch": _("Not on the classroom network"),
        "device_reused": _("Phone already used for another student"),
        "face_mismatch": _("The photo did not match"),
        "verification_unavailable": _("Face verification was not available"),
        "verification_timeout": _("Face verification did not answer in time"),
        NOT_ENROLLED: _("Not on the course's roster"),
        TEACHER_REJECTED: _("Rejected by a teacher"),
    }.get(reason, reason)


def record_note(record: RecordOut) -> str:
    """The words under a record's badge: why it was rejected, or what it waits for."""
    if record.status == "pending":
        return _("Waiting for face verification")
    if record.status != "rejected":
        return ""
    if record.fail_reason == TEACHER_REJECTED and record.decision_reason:
        return _("Rejected: %(reason)s") % {"reason": record.decision_reason}
    return why_text(record.fail_reason or "")


def common_reasons() -> list[str]:
    """The reasons a teacher rejects with most, one tap each."""
    return [
        _("Not in the classroom"),
        _("Checked in for someone else"),
        _("Left the lesson early"),
    ]


def script_words() -> dict[str, Any]:
    """Everything the live list's script writes on the page, in the page's language."""
    reasons = (
        "code_invalid",
        "network_mismatch",
        "device_reused",
        "face_mismatch",
        "verification_unavailable",
        "verification_timeout",
        NOT_ENROLLED,
        TEACHER_REJECTED,
    )
    return {
        "status": {status: record_status_text(status) for status in STATUSES},
        "why": {reason: why_text(reason) for reason in reasons},
        "pending": _("Waiting for face verification"),
        "rejected_because": _("Rejected: %(reason)s"),
        "announce": _(
            "%(total)s check-ins: %(present)s present, %(late)s late, %(pending)s pending, "
            "%(rejected)s rejected."
        ),
        "connected": _("Live: new check-ins appear by themselves."),
        "reconnecting": _("Connection lost. Reconnecting…"),
        "failed": _("That did not work. Try again."),
        "add_present": _("Add as present"),
    }
