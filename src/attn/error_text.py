"""One line of an exception's text, for logs, dead letters and error messages.

Exception texts can run to many lines (SQLAlchemy appends the SQL and its parameters, a
validation error lists every field); where one line is wanted, this is the line. Standard
library only, so every layer (services, persistence, the CLI) can use it.
"""

from __future__ import annotations


def first_line(
    exc: BaseException, *, limit: int | None = 300, typed: bool = True, driver: bool = False
) -> str:
    """``Type: first line`` (just ``Type`` when the text is empty), the line cut at ``limit``.

    ``typed=False`` gives the line alone (still ``Type`` when empty), for messages a client
    reads; ``driver=True`` takes the text of the database driver's error that a SQLAlchemy
    error wraps (``exc.orig``), without SQLAlchemy's own decoration.
    """
    source = (getattr(exc, "orig", None) or exc) if driver else exc
    lines = str(source).strip().splitlines()
    text = lines[0][:limit] if lines else ""
    if not text:
        return type(exc).__name__
    return f"{type(exc).__name__}: {text}" if typed else text
