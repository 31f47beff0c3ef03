"""Folded lesson keys: recompute ``attendances.lesson_key`` for matching typed names.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 00:00:00+00:00

History now matches each typed word inside a key with Turkish letters, other diacritics
and punctuation folded away (issue 11), so every stored key is computed again. Both
foldings are copied here, not imported: this revision must keep writing the keys of its
time whatever the application's ``normalize_name`` becomes. The keys are recomputed in
Python, in batches of primary keys, so the migration needs a live database (not ``--sql``).
"""

import re
import unicodedata
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
KEY_LENGTH = 200  # attendances.lesson_key is a String(200)

ATTENDANCES = sa.table(
    "attendances",
    sa.column("attendance_id", sa.Uuid()),
    sa.column("lesson_name", sa.String(200)),
    sa.column("lesson_key", sa.String(200)),
)

_TURKISH_I = str.maketrans({"İ": "i", "I": "i", "ı": "i"})
_UNDECOMPOSED = str.maketrans(
    {"æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "ħ": "h", "ŧ": "t", "þ": "th"}
)
_ASCII_NON_WORD = re.compile(r"[^a-z0-9]+")


def folded_key(name: str) -> str:
    """The key from 0002 on: NFKC, Turkish i, case folded, diacritics stripped, anything
    but letters, marks and digits a space, spaces collapsed."""
    if name.isascii():
        key = " ".join(_ASCII_NON_WORD.sub(" ", name.lower()).split())
        return key[:KEY_LENGTH]
    value = unicodedata.normalize("NFKC", name).translate(_TURKISH_I).casefold()
    value = unicodedata.normalize("NFKD", value.translate(_UNDECOMPOSED))
    value = "".join(
        ch if ch.isalnum() or unicodedata.category(ch).startswith("M") else " "
        for ch in value
        if not unicodedata.combining(ch)
    )
    return unicodedata.normalize("NFC", " ".join(value.split()))[:KEY_LENGTH]


def legacy_key(name: str) -> str:
    """The key of 0001: NFKC, Turkish i, case folded, whitespace collapsed."""
    value = unicodedata.normalize("NFKC", name)
    value = value.replace("İ", "i").replace("I", "i").replace("ı", "i")
    value = unicodedata.normalize("NFKD", value.casefold())
    value = "".join(ch for ch in value if ch != "\u0307")  # the dot casefold leaves on İ
    value = unicodedata.normalize("NFC", value)
    return re.sub(r"\s+", " ", value).strip()[:KEY_LENGTH]


def upgrade() -> None:
    _rewrite_keys(folded_key)


def downgrade() -> None:
    _rewrite_keys(legacy_key)


def _rewrite_keys(key_of: Callable[[str], str]) -> None:
    """Set every row's ``lesson_key`` to ``key_of(lesson_name)``, a batch at a time (paged
    by primary key, so memory stays flat however long the history); unchanged rows are
    not written."""
    if op.get_context().as_sql:
        raise RuntimeError("revision 0002 recomputes lesson keys in Python: run it online")
    bind = op.get_bind()
    table = ATTENDANCES.c
    select = sa.select(table.attendance_id, table.lesson_name, table.lesson_key)
    update = (
        sa.update(ATTENDANCES)
        .where(table.attendance_id == sa.bindparam("row_id"))
        .values(lesson_key=sa.bindparam("new_key"))
    )
    after = None
    while True:
        page = select.order_by(table.attendance_id).limit(BATCH)
        if after is not None:
            page = page.where(table.attendance_id > after)
        rows = bind.execute(page).all()
        if not rows:
            return
        keyed = [(row.attendance_id, key_of(row.lesson_name), row.lesson_key) for row in rows]
        changed = [{"row_id": aid, "new_key": new} for aid, new, old in keyed if new != old]
        if changed:
            bind.execute(update, changed)
        after = rows[-1].attendance_id
