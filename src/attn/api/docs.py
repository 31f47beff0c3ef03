"""The interactive API docs, ``/docs`` (Swagger UI) and ``/redoc``, with no internet access.

FastAPI's own pages load Swagger UI and ReDoc from a CDN and start them with an inline
script: blank on a network without internet, and against a strict Content-Security-Policy.
These pages load the copies the ``fastapi-offline`` package ships (served here under
versioned URLs, like the pages' assets) and start Swagger UI from a file of ATTN's own
(``web/static/js/api_docs.js``, ``api_redoc.js``). Both run under the pages' strict
Content-Security-Policy (scripts and styles from ATTN only); ReDoc needs a little more,
given in :func:`redoc_csp`. ``tests/browser/test_api_docs.py`` loads both with every
request outside ATTN blocked.
"""

from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache
from html import escape
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from attn.web.assets import IMMUTABLE, asset_url
from attn.web.headers import CONTENT_SECURITY_POLICY

DOCS_PATH = "/docs"
REDOC_PATH = "/redoc"
OPENAPI_PATH = "/openapi.json"
ASSETS_PREFIX = "/docs/assets"
VENDOR_DIR = Path(str(files("fastapi_offline") / "static"))
VENDOR_FILES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}

REDOC_EARLY_STYLES = (
    "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
)
"""The ``<style>`` elements ReDoc writes as its script loads, before it knows the nonce:
its sidebar's scrollbar CSS (perfect-scrollbar) and an empty one, allowed by their hashes.
A new ReDoc may change them: the browser's console then names the new hash, and
``tests/browser/test_api_docs.py`` fails until it is here."""

router = APIRouter(include_in_schema=False)

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="{favicon}">
{head}
<link rel="stylesheet" href="{own_css}">
</head>
<body>
{body}
</body>
</html>
"""


@lru_cache(maxsize=len(VENDOR_FILES))
def _version(name: str) -> str:
    return hashlib.sha256((VENDOR_DIR / name).read_bytes()).hexdigest()[:12]


def vendor_url(name: str) -> str:
    """The versioned URL of one of the shipped Swagger UI / ReDoc files."""
    return f"{ASSETS_PREFIX}/{_version(name)}/{name}"


def _page(title: str, head: str, body: str) -> HTMLResponse:
    html = _PAGE.format(
        title=escape(title),
        favicon=escape(vendor_url("favicon.png")),
        own_css=escape(asset_url("api_docs.css")),
        head=head,
        body=body,
    )
    return HTMLResponse(html)


@router.get(DOCS_PATH)
async def swagger_ui() -> HTMLResponse:
    """Swagger UI: every operation, with "Try it out" against this server."""
    return _page(
        "ATTN API - Swagger UI",
        f'<link rel="stylesheet" href="{escape(vendor_url("swagger-ui.css"))}">',
        f'<div id="swagger-ui" data-openapi-url="{escape(OPENAPI_PATH)}"></div>\n'
        f'<script src="{escape(vendor_url("swagger-ui-bundle.js"))}"></script>\n'
        f'<script src="{escape(asset_url("js/api_docs.js"))}"></script>',
    )


@router.get(REDOC_PATH)
async def redoc() -> HTMLResponse:
    """ReDoc styles itself with ``<style>`` elements it writes at run time: they carry this
    response's nonce, the one inline style the policy allows."""
    nonce = secrets.token_urlsafe(18)
    page = _page(
        "ATTN API - ReDoc",
        "",
        f'<div id="redoc" data-spec-url="{escape(OPENAPI_PATH)}"></div>\n'
        f'<script src="{escape(vendor_url("redoc.standalone.js"))}"></script>\n'
        f'<script src="{escape(asset_url("js/api_redoc.js"))}" nonce="{nonce}"></script>',
    )
    page.headers["content-security-policy"] = redoc_csp(nonce)
    return page


def redoc_csp(nonce: str) -> str:
    """The pages' policy plus what ReDoc needs: the ``<style>`` elements it writes with
    ``nonce`` (the early ones by hash), and its search index's worker, which it starts from
    a ``blob:`` URL its own script made."""
    styles = " ".join((f"'nonce-{nonce}'", *REDOC_EARLY_STYLES))
    policy = CONTENT_SECURITY_POLICY.replace("style-src 'self'", f"style-src 'self' {styles}")
    return policy.replace("connect-src 'self'", "connect-src 'self'; worker-src blob:")


@router.get(ASSETS_PREFIX + "/{version}/{name}")
async def vendor_file(version: str, name: str) -> Response:
    """One shipped file, kept a year by browsers; a stale or unknown one is a 404."""
    if name not in VENDOR_FILES or _version(name) != version:
        return PlainTextResponse("not found", status_code=404)
    return FileResponse(
        VENDOR_DIR / name, media_type=VENDOR_FILES[name], headers={"Cache-Control": IMMUTABLE}
    )
