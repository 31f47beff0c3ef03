"""Browser tests: Playwright driving Debian's Chromium against a real ``attn serve``.

Without Chromium or Playwright they are skipped with :data:`HOW_TO_GET`. Playwright's own
browser downloads are never used (``playwright install`` needs the internet)."""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
HOW_TO_GET = "browser tests need Chromium: apt-get install -y chromium (as root)"
NO_PLAYWRIGHT = f"{HOW_TO_GET}, and Playwright: pip install -e '.[dev]'"
