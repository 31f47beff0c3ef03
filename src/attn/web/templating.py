"""The Jinja2 environment of the pages and the one way a page handler renders.

Autoescaped whatever the template's name (lesson and user names are user input), strict
about undefined names (a typo fails the test, not the page silently), gettext through
:mod:`attn.web.i18n` in the request's language, local dates as filters, and static files
by their versioned URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from attn.web import i18n
from attn.web.assets import asset_url

TEMPLATE_DIR = Path(__file__).parent / "templates"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        # the templates ship with the code and change only with it: no stat() of every
        # template file on every page (a restart, or `--reload`, picks up an edit)
        auto_reload=False,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        i18n.gettext, i18n.ngettext, newstyle=True
    )
    env.globals["asset"] = asset_url
    env.globals["languages"] = i18n.LANGUAGES
    env.filters["datetime"] = i18n.format_datetime
    env.filters["date"] = i18n.format_date
    env.filters["time"] = i18n.format_time
    return env


TEMPLATES = Jinja2Templates(env=_environment())


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The page ``template`` for ``request``; never cached (pages show who is logged in)."""
    page = {"language": i18n.current().language, "viewer": None, "csrf_token": ""}
    page.update(getattr(request.state, "page", {}))
    page.update(context or {})
    response = TEMPLATES.TemplateResponse(
        request, template, page, status_code=status_code, headers=dict(headers or {})
    )
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("Vary", "Cookie, Accept-Language")
    return response
