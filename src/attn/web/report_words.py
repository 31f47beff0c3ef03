"""The words of the report files (CSV matrix, XLSX) in one language, from the pages'
catalogs: the pages pass their language, the API its ``lang`` parameter (English by
default, as the API's messages are)."""

from __future__ import annotations

from attn.services.reports.tables import ReportWords
from attn.web.i18n import LANGUAGES, translations


def report_words(language: str) -> ReportWords:
    """The words in ``language`` (one of :data:`attn.web.i18n.LANGUAGES`)."""
    if language not in LANGUAGES:
        raise ValueError(f"no catalog for {language!r}")
    _ = translations(language).ugettext
    return ReportWords(
        statuses={
            "present": _("Present"),
            "late": _("Late"),
            "pending": _("Pending"),
            "rejected": _("Rejected"),
            "excused": _("Excused"),
            "absent": _("Absent"),
        },
        student_number=_("Student number"),
        full_name=_("Full name"),
        lesson=_("Lesson"),
        starts_at=_("Starts at"),
        counted=_("Counted"),
        rate=_("Attendance rate (%)"),
        under_threshold=_("Under the threshold"),
        yes=_("Yes"),
        no=_("No"),
        matrix_sheet=_("Matrix"),
        attendances_sheet=_("Attendances"),
        records_sheet=_("Records"),
    )
