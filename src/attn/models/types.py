"""Field types shared by the Redis models, the API schemas and the SQL layer.

Datetimes are serialised in one fixed-width UTC form (``2026-01-31T09:00:00.000000Z``) so
that Lua scripts can compare them as plain strings.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

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
ROSTER = "roster"
"""``decided_by`` of an ``absent`` record the persistence job wrote for an enrolled student
without a record when a course's attendance closed."""
FACE_VERIFICATION = "face_verification"
"""The audit log's ``actor`` of a face result that arrived after its attendance was stored."""
RESERVED_USER_NUMBERS = frozenset({SELF, ROSTER, FACE_VERIFICATION})
"""Markers kept where a user's number goes (``decided_by``, the audit ``actor``): no
account may be numbered so (in any case), or its decisions would read as the marker's."""


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


MAX_NAME = 200
MAX_REASON = 500


def clean_text(value: str, *, max_length: int) -> str:
    """Free text as every field stores it: spaces collapsed, NFC, 1..``max_length``
    characters, no control or format characters, and encodable as UTF-8.

    The last rule is why this exists: a JSON string may carry a lone surrogate escape
    (``"\\ud800"``), which Python's JSON parser accepts but neither Redis's JSON nor the
    database can store, so it must be refused where it enters, naming the field, before any
    part of a change is written.
    """
    value = " ".join(value.split())
    if not value.isascii():  # NFC and UTF-8 leave ASCII as it is
        _refuse_surrogates(value)
        value = unicodedata.normalize("NFC", value)
    if not value:
        raise ValueError("must not be empty")
    if len(value) > max_length:
        raise ValueError(f"must be at most {max_length} characters")
    # isprintable() is False for every Cc and Cf character (and for a few other categories,
    # which the exact test then lets through), so ordinary names skip the per-character
    # loop: persistence re-validates every stored name, tens of thousands a second.
    if not value.isprintable() and any(unicodedata.category(ch) in {"Cc", "Cf"} for ch in value):
        raise ValueError("must not contain control characters")
    return value


def _refuse_surrogates(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            "must be valid Unicode text (it contains a lone surrogate such as \\ud800)"
        ) from None


def _clean_name(value: str) -> str:
    return clean_text(value, max_length=MAX_NAME)


def _clean_reason(value: str) -> str:
    return clean_text(value, max_length=MAX_REASON)


UtcDateTime = Annotated[
    datetime,
    AfterValidator(_aware_utc),
    PlainSerializer(format_utc, return_type=str, when_used="json"),
]


def _not_reserved(value: str) -> str:
    if value.casefold() in RESERVED_USER_NUMBERS:
        raise ValueError(f"{value!r} is reserved (it marks who decided a record); use another")
    return value


UserNumber = Annotated[
    str, StringConstraints(pattern=USER_NUMBER_PATTERN), AfterValidator(_not_reserved)
]
"""A user's number; the :data:`RESERVED_USER_NUMBERS` are refused."""
FullName = Annotated[str, AfterValidator(_clean_name)]
LessonName = Annotated[str, AfterValidator(_clean_name)]
Reason = Annotated[str, AfterValidator(_clean_reason)]
"""Why a teacher or admin changed something: goes to the audit log (1-500 characters)."""
DecidedBy = Annotated[str, StringConstraints(pattern=r"^(self|[A-Za-z0-9._-]{1,32})$")]


_TURKISH_I = str.maketrans({"İ": "i", "I": "i", "ı": "i"})
_UNDECOMPOSED = str.maketrans(
    {"æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "ħ": "h", "ŧ": "t", "þ": "th"}
)
"""Lower-case Latin letters without a decomposition: stripping marks cannot reach their
base letter (``ß`` needs no entry, case folding already makes it ``ss``)."""
_ASCII_NON_WORD = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=4096)
def normalize_name(value: str) -> str:
    """Forgiving matching key of a name: what a student types on any keyboard finds it.

    NFKC; ``I``/``İ``/``ı``/``i`` all fold to ``i`` (so ``IŞIK``, ``Işık`` and ``ışık``
    match in any locale); case folded; diacritics stripped (``ş ğ ç ö ü`` -> ``s g c o u``,
    ``ø ł đ ħ æ œ`` mapped by hand) so an English keyboard types every name; anything but a
    letter, mark or digit becomes a space (``Prof. Dr.`` is ``prof dr``); spaces collapsed.
    Word order is kept: matching compares :func:`name_words`. Cached, because a search
    folds the names of every live lesson.
    """
    if value.isascii():  # the common case, and all of the folding above does to ASCII
        return " ".join(_ASCII_NON_WORD.sub(" ", value.lower()).split())
    value = unicodedata.normalize("NFKC", value).translate(_TURKISH_I).casefold()
    value = unicodedata.normalize("NFKD", value.translate(_UNDECOMPOSED))
    value = "".join(_word_char(ch) for ch in value if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", " ".join(value.split()))  # NFC: Hangul recomposed


def _word_char(ch: str) -> str:
    """``ch`` if it can be part of a word (marks left on letters of other scripts, too)."""
    return ch if ch.isalnum() or unicodedata.category(ch).startswith("M") else " "


def name_words(value: str) -> list[str]:
    """The words of a name's matching key, in order (none for blank or punctuation)."""
    return normalize_name(value).split()


def contains_words(name: str, words: Iterable[str]) -> bool:
    """Whether every one of ``words`` (from :func:`name_words`) is part of some word of
    ``name``, in any order: ``veri``, ``yap`` and ``yapilari veri`` find ``Veri Yapıları``.

    A plain substring test of the key is exact here, since no query word holds a space.
    """
    key = normalize_name(name)
    return all(word in key for word in words)


def as_uuid(value: UUID | str) -> UUID:
    """An attendance id given as a UUID or as its string (the seed's report writes
    strings): every data-layer method takes both. A malformed string raises ValueError."""
    return value if isinstance(value, UUID) else UUID(value)


def utcnow() -> datetime:
    return datetime.now(UTC)
