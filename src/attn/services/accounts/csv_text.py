"""Uploaded CSV bytes to text: UTF-8 as it is, other encodings detected.

Spreadsheets save CSV in the encoding of the user's locale: Excel in a Turkish Windows
writes Windows-1254 (``cp1254``) unless told "CSV UTF-8". :func:`decode_csv` reads:

1. Plain ASCII as ``ascii`` (it is UTF-8 and Windows-1254 alike).
2. Valid UTF-8, with or without a byte order mark, as ``utf-8`` (the mark is dropped).
3. Anything else in the encoding charset-normalizer detects, with a preference on top
   (Windows-1254 by default), because short files hold too few letters to tell code pages
   apart: ``Şükrü Gündoğdu`` reads without a flaw in Windows-1250 or 1252 too (``Þükrü
   Gündoðdu``), ``Çiğdem Öztürk`` even as Big5, and the detector's chaos measure penalises
   real Turkish words such as ``Şükrü`` (many accented letters). The rule:

   **the preferred encoding is read instead of the detector's first choice when it decodes
   every byte, its text has no more odd characters (outside ASCII anything but a letter or
   a combining mark, and control characters but tab, CR and LF) than the first choice's,
   and either the first choice's letters are all Latin too (choosing between Latin code
   pages, which a name list cannot settle) or the detector finds the preferred reading no
   more chaotic than its first choice.** A byte order mark (UTF-16, UTF-32) is believed.

   So a file that reads better elsewhere keeps the detector's choice: Polish in
   Windows-1250 (``ł`` would read as the symbol ``³``), Russian in Windows-1251 (Cyrillic,
   and far more chaotic as Latin).

Refused, with :class:`NotText` naming the line of the first byte that is not UTF-8:

- bytes the detector finds no encoding for (binary files: a spreadsheet's ``.xlsx``, NULs);
- a file that mixes UTF-8 with another encoding (some lines edited in another program):
  each half would come out garbled in the other's encoding, so no reading is right.

The encoding is reported under Python's codec name (``cp1254``, ``utf-16``, ``iso8859-9``),
so a user whose names look wrong can see what was read.
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from charset_normalizer import CharsetMatch, from_bytes

PREFERRED_ENCODINGS = ("cp1254",)
"""Tie-break for short or ambiguous files: Windows-1254, Excel's Turkish code page."""

SAVE_AS_UTF8 = "save the file as UTF-8"
_BOM = "\ufeff"
# Letters of Turkish and Western European names (Latin-1's letters and ğ ı İ ş) as UTF-8
# writes them. A single-byte code page produces their two bytes (a capital letter, then
# a byte it uses for a symbol) hardly ever, so finding one means "this part is UTF-8".
_UTF8_NAME_LETTERS = frozenset(
    {chr(code) for code in range(0xC0, 0x100)} - {"×", "÷"} | set("ĞğİıŞş")
)


@dataclass(frozen=True, slots=True)
class DecodedText:
    text: str
    encoding: str
    """Python's codec name of what was read: ``ascii``, ``utf-8``, ``cp1254``, …"""


class NotText(ValueError):
    """The bytes are not text in one encoding; ``line`` is where UTF-8 reading stopped."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


def decode_csv(data: bytes, *, prefer: Sequence[str] = PREFERRED_ENCODINGS) -> DecodedText:
    """The text of an uploaded CSV file and the encoding it was read in (rules above)."""
    if data.isascii():
        return DecodedText(data.decode("ascii"), "ascii")
    try:
        return DecodedText(data.decode("utf-8-sig"), "utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
    if _has_utf8_letters(data):
        message = f"mixes UTF-8 with another encoding from this line on ({SAVE_AS_UTF8})"
        raise NotText(line, message)
    best = from_bytes(data).best()
    if best is None:
        raise NotText(line, f"not text in UTF-8 or any other known encoding ({SAVE_AS_UTF8})")
    text, encoding = str(best), best.encoding
    if not best.bom:
        for name in prefer:
            preferred = _reads_as_well(data, name, best, text)
            if preferred is not None:
                text, encoding = preferred, name
                break
    return DecodedText(text.removeprefix(_BOM), codecs.lookup(encoding).name)


def _reads_as_well(data: bytes, encoding: str, best: CharsetMatch, best_text: str) -> str | None:
    """The text in ``encoding`` if it reads ``data`` at least as well as ``best`` (see above)."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    if text == best_text:
        return text
    if _odd_characters(text) > _odd_characters(best_text):
        return None
    if _all_letters_latin(best_text):
        return text
    alone = from_bytes(data, cp_isolation=[encoding], threshold=1.0).best()
    return text if alone is not None and alone.chaos <= best.chaos else None


def _odd_characters(text: str) -> int:
    """Characters out of place in a list of names: outside ASCII anything but letters and
    combining marks (a Polish ``ł`` read as ``³``), and control characters (UTF-16's NULs)."""
    odd = [
        char
        for char in set(text)
        if (char > "\x7f" and unicodedata.category(char)[0] not in "LM")
        or (unicodedata.category(char) == "Cc" and char not in "\t\r\n")
    ]
    return sum(text.count(char) for char in odd)


def _all_letters_latin(text: str) -> bool:
    return all(
        unicodedata.name(char, "").startswith("LATIN")
        for char in set(text)
        if char > "\x7f" and char.isalpha()
    )


def _has_utf8_letters(data: bytes) -> bool:
    text = data.decode("utf-8", errors="replace")
    return not _UTF8_NAME_LETTERS.isdisjoint(text)
