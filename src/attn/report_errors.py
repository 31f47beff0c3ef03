"""The errors of the attendance reports, beside :mod:`attn.errors` (as
:mod:`attn.course_errors` is): the same base classes, so the catalogue lists them too."""

from __future__ import annotations

from attn.errors import Forbidden


class NotYourReport(Forbidden):
    """A student asking for another student's report, or a teacher for a student of none
    of their courses."""

    code = "not_your_report"
