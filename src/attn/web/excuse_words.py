"""Excuse requests in words: their states, the refusals a page may meet, the notices."""

from __future__ import annotations

from attn.web.i18n import gettext as _


def excuse_status_text(status: str) -> str:
    return {
        "requested": _("Waiting for the teacher"),
        "approved": _("Approved: excused"),
        "declined": _("Declined"),
    }.get(status, status)


def excuse_error_text(code: str) -> str | None:
    """The refusals of the excuse forms and pages."""
    return {
        "excuse_not_found": _("There is no such excuse request."),
        "not_your_excuse": _("This excuse request is not yours to see."),
        "not_in_attendance": _(
            "You have no check-in in this attendance, so there is nothing to excuse."
        ),
        "excuse_not_needed": _("Your check-in in this attendance needs no excuse."),
        "excuse_exists": _(
            "You have already asked to be excused for this attendance; wait for the answer."
        ),
        "excuse_decided": _("This request has already been answered."),
        "attendance_not_stored": _("Ask once the attendance is over and saved (a few minutes)."),
        "excuse_file_type": _("The file must be a PDF, JPEG or PNG."),
        "excuse_file_not_found": _("This request's file is not available."),
        "invalid_excuse": _("Write a note of at most 1000 characters."),
    }.get(code)


def excuse_done_text(done: str) -> str:
    return {
        "excuse_sent": _("Your request was sent to the teacher."),
        "excuse_approved": _("The request was approved: the check-in is now excused."),
        "excuse_declined": _("The request was declined; the student will see your reason."),
    }.get(done, "")
