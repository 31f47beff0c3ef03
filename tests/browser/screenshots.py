"""Screenshots of the main pages for the docs, made by the tests that reach them.

Every run takes them (a page that cannot be shot fails its test), but only a run with
``ATTN_SCREENSHOTS=1`` writes them into ``docs/screenshots/``; other runs write them to a
folder of their own, so an ordinary test run leaves the work tree as it was (the pictures
differ from run to run: codes and times change).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page


DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
REFRESH_VARIABLE = "ATTN_SCREENSHOTS"


def screenshot_folder() -> Path:
    """``docs/screenshots`` when asked to refresh them, else a folder for this run."""
    if os.environ.get(REFRESH_VARIABLE) == "1":
        return DOCS_SCREENSHOTS
    return Path(tempfile.gettempdir()) / "attn-screenshots"


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """``<folder>/<name>.png`` of the page as it is now (the whole page by default)."""
    path = screenshot_folder() / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=full_page, animations="disabled", caret="hide")
    return path
