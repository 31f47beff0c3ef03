"""The words the pages use for the API's codes: error codes, record statuses and the
reasons a check-in was refused, in the page's language.

The JSON API's messages stay English (clients match on ``code``); a page never shows them
raw, it says the same thing in the viewer's language from here. A code without an entry
here falls back to the general sentence of its HTTP status.
"""

from __future__ import annotations

from attn.web.excuse_words import excuse_error_text
from attn.web.i18n import gettext as _


def error_text(code: str) -> str | None:
    """What went wrong, for an error ``code`` a page may meet; None if it has no words."""
    return {
        "invalid_credentials": _("Wrong school number or password."),
        "invalid_token": _("Your session has ended. Please log in again."),
        "unauthorized": _("Please log in first."),
        "remember_invalid": _("This phone is no longer remembered. Log in with your password."),
        "remember_replayed": _(
            "This phone's login was used somewhere else, so it was ended. Log in again."
        ),
        "remember_wrong_device": _("This login belongs to another device."),
        "csrf_failed": _("This form has expired. Open the page again and retry."),
        "cross_site_form": _("This form was sent from another site."),
        "wrong_role": _("This page is not for your role."),
        "not_your_attendance": _("This attendance belongs to another teacher."),
        "attendance_not_found": _("There is no such attendance."),
        "record_not_found": _("There is no such check-in."),
        "user_not_found": _("There is no such user."),
        "not_found": _("There is no such page."),
        "attendance_not_open": _("This attendance is not open for check-ins."),
        "attendance_finished": _("This attendance has finished."),
        "attendance_not_started": _("This attendance has not started yet."),
        "attendance_ended": _("Too late: this attendance has ended."),
        "attendance_deleted": _("This attendance was deleted."),
        "code_not_enabled": _("This attendance does not ask for a code."),
        "not_enrolled": refusal_text("not_enrolled"),
        "device_id_invalid": _("This browser could not be identified. Reload the page."),
        "photo_required": _("Add a photo of your face."),
        "photo_too_large": _("The photo is too large. Take a smaller one."),
        "photo_type": _("The photo must be a JPEG or PNG picture."),
        "search_query_required": _("Type a teacher's name or a lesson's name."),
        "rate_limited": _("Too many attempts. Wait a little and try again."),
        "too_many_wrong_codes": _("Too many wrong codes. Wait a little and try again."),
        "device_id_required": _("This browser could not be identified. Reload the page."),
        "database_unavailable": _("The database is not available right now. Try again shortly."),
        "redis_unavailable": _("The service is not available right now. Try again shortly."),
        "internal_error": _("Something went wrong on our side. It was logged; try again."),
        "payload_too_large": _("What you sent is too large."),
        "invalid_input": _("Some of what you entered is not valid."),
    }.get(code) or _teaching_error_text(code)


def _teaching_error_text(code: str) -> str | None:
    """The codes a teacher's forms meet (starting, correcting, deleting, the courses)."""
    return {
        "attendance_live": _("This attendance is still live; it can be corrected once stored."),
        "record_deleted": _("This check-in was deleted."),
        "live_attendance_exists": _(
            "You already have a live attendance at this time. Finish or delete it first."
        ),
        "busy": _("Another request of yours is in progress. Try again."),
        "reason_required": _("Give a reason."),
        "course_not_found": _("There is no such course."),
        "not_your_course": _("This course is not one of yours."),
        "enrolment_not_found": _("This student is not on the course's roster."),
        "not_your_report": _("You may not see this student's attendance report."),
    }.get(code) or excuse_error_text(code)


def status_text(status: int) -> str:
    """The general sentence of an HTTP error status."""
    if status == 401:
        return _("Please log in first.")
    if status == 403:
        return _("You may not do this.")
    if status == 404:
        return _("There is no such page.")
    if status == 409:
        return _("This cannot be done in the attendance's current state.")
    if status == 429:
        return _("Too many attempts. Wait a little and try again.")
    if status >= 500:
        return _("The service is not available right now. Try again shortly.")
    return _("Some of what you entered is not valid.")


def record_status_text(status: str) -> str:
    """A check-in's status as a badge says it."""
    return {
        "present": _("Present"),
        "late": _("Late"),
        "pending": _("Pending"),
        "rejected": _("Rejected"),
        "excused": _("Excused"),
        "absent": _("Absent"),
    }.get(status, status)


def attendance_state_text(state: str) -> str:
    """An attendance's state as a badge says it."""
    return {
        "scheduled": _("Scheduled"),
        "open": _("Open"),
        "ended": _("Ended"),
        "finished": _("Finished"),
        "deleted": _("Deleted"),
    }.get(state, state)


def refusal_text(reason: str) -> str:
    """Why a check-in was refused or rejected, in words."""
    return {
        "code_invalid": _("The code is wrong or has expired. Type the code on the screen now."),
        "network_mismatch": _("You are not on the classroom network."),
        "device_reused": _("This phone was already used to check in another student."),
        "face_mismatch": _("The photo did not match you."),
        "verification_unavailable": _("Face verification is not available right now."),
        "verification_timeout": _("Face verification did not answer in time."),
        "teacher_rejected": _("Your teacher rejected this check-in."),
        "not_enrolled": _(
            "You are not on this course's list. Your teacher sees your attempt and may accept it."
        ),
    }.get(reason, reason)
