"""Errors on pages are pages: in the viewer's language, with a way on, never JSON.

The app's error handlers (:mod:`attn.api.errors`) answer the JSON envelope; for a request
to a page, each is wrapped to turn that envelope into the error page, keeping its status
and headers (``Retry-After``). A page that needs a login redirects to the login page.
Forms show their own errors next to their fields; this is for everything else.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.types import Scope

from attn.api.errors import error_response
from attn.errors import PayloadTooLarge
from attn.web import i18n
from attn.web.context import LoginRequired, locale_for
from attn.web.messages import error_text, status_text
from attn.web.templating import render

Handler = Callable[[Request, Any], Response | Awaitable[Response]]
NOT_PAGES = ("/api/", "/health", "/ready", "/metrics", "/docs", "/redoc", "/openapi.json")
_KEPT_HEADERS = ("retry-after", "connection")


def is_page_request(request: Request) -> bool:
    return not request.url.path.startswith(NOT_PAGES)


def install_page_errors(app: FastAPI) -> None:
    """Wrap every error handler installed so far; call after the API's are installed."""
    for exc_class, handler in list(app.exception_handlers.items()):
        app.exception_handlers[exc_class] = _page_aware(handler)
    app.exception_handlers[LoginRequired] = _to_login


def _page_aware(handler: Handler) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        response = handler(request, exc)
        if inspect.isawaitable(response):
            response = await response
        if not is_page_request(request) or response.media_type != "application/json":
            return response
        page = error_page(request, response.status_code, _code_of(response))
        for name in _KEPT_HEADERS:
            if name in response.headers:
                page.headers[name] = response.headers[name]
        return page

    return handle


def _code_of(response: Response) -> str:
    try:
        return str(json.loads(bytes(response.body))["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return ""


def error_page(request: Request, status: int, code: str) -> Response:
    """The error page of ``status``; what went wrong in words when ``code`` has them."""
    i18n.use(locale_for(request, request.app.state.runtime.settings))
    context = {"status": status, "message": error_text(code) or status_text(status)}
    return render(request, "error.html", context, status_code=status)


def body_refusal(scope: Scope, exc: PayloadTooLarge) -> Response:
    """The body limit's 413 (``api.body_limit``): the error page for a page's form (a photo
    or an import file too large), the JSON envelope for the API."""
    response = error_response(exc)
    request = Request(scope)
    if not is_page_request(request):
        return response
    page = error_page(request, exc.status, exc.code)
    page.headers["connection"] = response.headers["connection"]
    return page


async def _to_login(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse("/login?" + urlencode({"next": exc.next_url}), status_code=303)
