"""A CSV file's problems in words (the import's codes, :mod:`attn.services.accounts.
user_import`); the English detail of each stays beside it, naming the field or line."""

from __future__ import annotations

from attn.web.i18n import gettext as _


def problem_text(code: str) -> str:
    return {
        "bad_encoding": _("The file is not text in a known encoding."),
        "bad_csv": _("The line cannot be read as CSV (a quote not closed?)."),
        "bad_header": _("The first line names other columns than expected."),
        "wrong_column_count": _("The line needs 3 or 4 columns."),
        "invalid_row": _("A value is not valid."),
        "duplicate_in_file": _("This number is in the file twice."),
        "user_exists": _("A user with this number exists already."),
        "too_many_rows": _("The file has too many rows: split it."),
        "empty_file": _("The file has no user rows."),
    }.get(code, code)
