"""axe-core in the page: no serious or critical accessibility violation.

The script is the ``axe.min.js`` that the ``axe-playwright-python`` wheel ships, evaluated
through the DevTools protocol rather than added as a ``<script>`` tag, so the pages'
Content-Security-Policy (no inline scripts) does not stop it.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page


BLOCKING = ("serious", "critical")


@cache
def axe_source() -> str:
    return (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


def assert_accessible(page: Page) -> None:
    """Fail listing every serious or critical violation on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    results: dict[str, Any] = page.evaluate(
        "() => window.axe.run(document, {resultTypes: ['violations']})"
    )
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
    assert not blocking, f"axe on {page.url}:\n" + "\n".join(map(describe, blocking))


def describe(violation: dict[str, Any]) -> str:
    targets = [", ".join(map(str, node["target"])) for node in violation["nodes"]]
    return (
        f"- {violation['id']} ({violation['impact']}): {violation['help']}"
        f" [{violation['helpUrl']}] at {'; '.join(targets)}"
    )
