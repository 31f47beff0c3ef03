"""The message catalogs: every string of the pages has its Turkish translation.

Extraction here reads the same sources and the same mapping as ``scripts/messages``, so a
new ``_()`` or ``{% trans %}`` without a Turkish entry fails this test until the catalog
is updated and translated.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from attn.web import i18n

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "src" / "attn" / "web" / "locale"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]")


def extracted() -> set[str]:
    """Every msgid the sources use (the singular of a plural)."""
    with (LOCALE / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalog(language: str) -> Catalog:
    with (LOCALE / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source, locale=language)


def test_the_sources_have_messages() -> None:
    assert "Log in" in extracted()  # the extraction itself works


@pytest.mark.parametrize("language", ["tr", "en"])
def test_every_message_is_in_the_catalog(language: str) -> None:
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(language) if m.id}
    missing = sorted(extracted() - ids)
    assert not missing, f"run scripts/messages, then translate: {missing}"


def test_every_message_has_a_turkish_translation() -> None:
    used = extracted()
    untranslated = [
        m.id
        for m in catalog("tr")
        if m.id
        and (m.id if isinstance(m.id, str) else m.id[0]) in used
        and (not m.string or (not isinstance(m.string, str) and not all(m.string)) or m.fuzzy)
    ]
    assert not untranslated, f"no Turkish translation (or fuzzy): {untranslated}"


def test_translations_keep_their_placeholders() -> None:
    wrong = [
        m.id
        for m in catalog("tr")
        if isinstance(m.id, str)
        and m.string
        and sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(str(m.string)))
    ]
    assert not wrong, f"placeholders differ from the English: {wrong}"


def test_the_running_catalog_speaks_turkish() -> None:
    i18n.use(i18n.PageLocale("tr", i18n.current().zone))
    try:
        assert i18n.gettext("Log in") == "Giriş yap"
        assert i18n.gettext("a sentence nobody wrote") == "a sentence nobody wrote"
    finally:
        i18n.use(i18n.PageLocale("en", i18n.current().zone))
