"""Field types shared by the Redis models, the API schemas and the SQL layer.

Datetimes are serialised in one fixed-width UTC form (``2026-01-31T09:00:00.000000Z``) so
that Lua scripts can compare them as plain strings.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, PlainSerializer, StringConstraints

USER_NUMBER_PATTERN = r"^[A-Za-z0-9._-]{1,32}$"


class Role(StrEnum):
    STUDENT = "student"
    TEACHER = "teacher"
    ADMIN = "admin"


class RecordStatus(StrEnum):
    PRESENT = "present"
    LATE = "late"
    PENDING = "pending"
    REJECTED = "rejected"
    EXCUSED = "excused"
    ABSENT = "absent"


SELF = "self"
"""``decided_by`` value of a record the student wrote; otherwise it holds a teacher's number."""


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware (e.g. end with Z or +03:00)")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+03:00: before year 1 in UTC
        raise ValueError("datetime is out of range once converted to UTC") from None


def format_utc(value: datetime) -> str:
    """The canonical fixed-width UTC string (sorts like the instant it names).

    ``isoformat`` rather than ``strftime("%Y…")``: glibc does not pad years below 1000
    (``1-01-01T…``), which would be neither ISO 8601 nor fixed-width. In UTC it always
    ends in ``+00:00``, which becomes ``Z``."""
    return _aware_utc(value).isoformat(timespec="microseconds")[:-6] + "Z"


def _clean_name(value: str) -> str:
    value = " ".join(value.split())
    if not value.isascii():  # NFC leaves ASCII as it is
        value = unicodedata.normalize("NFC", value)
    if not value:
        raise ValueError("must not be empty")
    if len(value) > 200:
        raise ValueError("must be at most 200 characters")
    # isprintable() is False for every Cc and Cf character (and for a few other categories,
    # which the exact test then lets through), so ordinary names skip the per-character
    # loop: persistence re-validates every stored name, tens of thousands a second.
    if not value.isprintable() and any(unicodedata.category(ch) in {"Cc", "Cf"} for ch in value):
        raise ValueError("must not contain control characters")
    return value


UtcDateTime = Annotated[
    datetime,
    AfterValidator(_aware_utc),
    PlainSerializer(format_utc, return_type=str, when_used="json"),
]
UserNumber = Annotated[str, StringConstraints(pattern=USER_NUMBER_PATTERN)]
FullName = Annotated[str, AfterValidator(_clean_name)]
LessonName = Annotated[str, AfterValidator(_clean_name)]
DecidedBy = Annotated[str, StringConstraints(pattern=r"^(self|[A-Za-z0-9._-]{1,32})$")]


def normalize_name(value: str) -> str:
    """Forgiving discovery key: NFKC, Turkish-aware case folding, whitespace collapsed.

    ``I``/``İ``/``ı``/``i`` all fold to ``i`` so that ``IŞIK``, ``Işık`` and ``ışık`` match,
    whatever keyboard or locale the student typed with.
    """
    value = unicodedata.normalize("NFKC", value)
    value = value.replace("İ", "i").replace("I", "i").replace("ı", "i")
    value = value.casefold()
    value = unicodedata.normalize("NFKD", value)
    value = "".join(ch for ch in value if ch != "\u0307")  # the dot casefold leaves on İ
    value = unicodedata.normalize("NFC", value)
    return re.sub(r"\s+", " ", value).strip()


def utcnow() -> datetime:
    return datetime.now(UTC)
