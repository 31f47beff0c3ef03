"""The pages' language: Turkish or English, from a choice remembered in a cookie, else the
browser's ``Accept-Language``; and the translated text and local times of that language.

Catalogs are the Babel ``.po`` files in ``web/locale`` (``scripts/messages`` extracts and
updates them), compiled in memory the first time a language is used, so the repository
holds no compiled ``.mo`` files that could drift from their source. The current language
and time zone live in context variables set once per page request, so templates and page
handlers translate with a plain ``_()``.
"""

from __future__ import annotations

import io
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, dates
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
LANGUAGES = {"tr": "Türkçe", "en": "English"}
"""Every language the pages speak, each named in itself (the switch shows these)."""
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "attn_lang"


@dataclass(frozen=True)
class PageLocale:
    """What one page request is shown in."""

    language: str
    zone: ZoneInfo


_FALLBACK = PageLocale(DEFAULT_LANGUAGE, ZoneInfo("UTC"))
_current: ContextVar[PageLocale | None] = ContextVar("attn_page_locale", default=None)


def use(page_locale: PageLocale) -> None:
    """Translate and format in ``page_locale`` for the rest of this request."""
    _current.set(page_locale)


def current() -> PageLocale:
    """This request's locale (English in UTC outside a page request)."""
    return _current.get() or _FALLBACK


def choose_language(cookie: str | None, accept_language: str | None) -> str:
    """The remembered choice if it is one we speak, else the best of ``Accept-Language``
    (by its q-values, a region falling back to its language), else English."""
    if cookie in LANGUAGES:
        return cookie
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = tag.strip().lower().split("-")[0]
        if language in LANGUAGES and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> Translations:
    """The compiled catalog of ``language`` (English is the source: untranslated)."""
    po_file = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_file.exists():
        return Translations()
    with po_file.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def gettext(message: str) -> str:
    return translations(current().language).ugettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current().language).ungettext(singular, plural, n)


_ = gettext


def format_datetime(moment: datetime | None, style: str = "medium") -> str:
    """``moment`` (stored in UTC) as the installation's local time, in the page's language."""
    if moment is None:
        return ""
    page = current()
    return dates.format_datetime(moment, style, tzinfo=page.zone, locale=_locale(page.language))


def format_time(moment: datetime | None, style: str = "short") -> str:
    if moment is None:
        return ""
    page = current()
    return dates.format_time(moment, style, tzinfo=page.zone, locale=_locale(page.language))


def format_date(moment: datetime | None, style: str = "medium") -> str:
    if moment is None:
        return ""
    page = current()
    local = moment.astimezone(page.zone)
    return dates.format_date(local.date(), style, locale=_locale(page.language))


@lru_cache(maxsize=len(LANGUAGES))
def _locale(language: str) -> Locale:
    return Locale.parse(language)
