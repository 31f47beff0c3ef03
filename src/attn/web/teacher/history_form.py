"""The history's search (lesson name, a range of local days) and its pages, read from the
query string into the API's :class:`~attn.models.api_attendances.HistoryQuery`.

Days are the installation's (a teacher in Istanbul means Istanbul's Monday), so each bound
becomes the instant of that local midnight before it reaches the service; the last day is
included. What cannot be read is said next to its field and the search runs without it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from urllib.parse import urlencode

from attn.models.api_attendances import HistoryQuery
from attn.web.i18n import gettext as _
from attn.web.teacher.common import FieldErrors

PAGE_SIZE = 20
MAX_PAGE = 10_000
MAX_QUERY = 200
FIRST_YEAR, LAST_YEAR = 1970, 2999


@dataclass(frozen=True)
class HistorySearch:
    """The search as typed (kept in the form and in the pages' links)."""

    q: str = ""
    date_from: str = ""
    date_to: str = ""
    page: int = 1
    errors: FieldErrors = field(default_factory=dict)

    def link(self, page: int) -> str:
        """This search's URL on ``page``."""
        params = {"q": self.q, "from": self.date_from, "to": self.date_to}
        kept = {key: value for key, value in params.items() if value}
        if page > 1:
            kept["page"] = str(page)
        return "/teacher?" + urlencode(kept) + "#history" if kept else "/teacher#history"

    @property
    def active(self) -> bool:
        return bool(self.q or self.date_from or self.date_to)


def read_search(q: str, date_from: str, date_to: str, page: str) -> HistorySearch:
    errors: FieldErrors = {}
    q = q.strip()
    if len(q) > MAX_QUERY:
        errors["q"] = _("Enter at most 200 characters.")
    first, last = _day(date_from), _day(date_to)
    if date_from.strip() and first is None:
        errors["from"] = _("Enter a date like 2026-01-31.")
    if date_to.strip() and last is None:
        errors["to"] = _("Enter a date like 2026-01-31.")
    if first and last and last < first:
        errors["to"] = _("The last day must not be before the first.")
    number = int(page) if page.isascii() and page.isdigit() and len(page) < 6 else 1
    return HistorySearch(
        q[:MAX_QUERY],
        date_from.strip()[:10],
        date_to.strip()[:10],
        max(1, min(number, MAX_PAGE)),
        errors,
    )


def history_query(search: HistorySearch, zone: tzinfo) -> HistoryQuery:
    """The service's query; a field in error is left out of it."""
    bounds: dict[str, datetime] = {}
    first, last = _day(search.date_from), _day(search.date_to)
    if first and "from" not in search.errors:
        bounds["from"] = _midnight(first, zone)
    if last and "to" not in search.errors:
        bounds["to"] = _midnight(last + timedelta(days=1), zone)
    name = search.q if search.q and "q" not in search.errors else None
    return HistoryQuery.model_validate(
        {
            "limit": PAGE_SIZE,
            "offset": (search.page - 1) * PAGE_SIZE,
            "lesson_name": name,
            **bounds,
        }
    )


def page_count(total: int) -> int:
    return max(1, math.ceil(total / PAGE_SIZE))


def _day(text: str) -> date | None:
    """A day of ``YYYY-MM-DD`` (what a date input sends), in years a lesson can have."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else None


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)
