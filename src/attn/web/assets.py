"""The pages' static files, served by the app itself under versioned names.

A file's URL carries a hash of its content (``/static/<hash>/attn.css``), so browsers may
keep it for a year and still fetch a new version the moment it changes; nothing is ever
loaded from outside ATTN. A URL with a stale or unknown hash is a 404, not an old file.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, PlainTextResponse, Response

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PREFIX = "/static"
IMMUTABLE = "public, max-age=31536000, immutable"
_MEDIA_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=64)
def _version(name: str) -> str | None:
    """The first 12 hex digits of the file's SHA-256; None for no such file (or a path
    outside the static folder)."""
    path = (STATIC_DIR / name).resolve()
    if STATIC_DIR.resolve() not in path.parents or not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def asset_url(name: str) -> str:
    """The versioned URL of ``name`` (templates: ``{{ asset('attn.css') }}``)."""
    version = _version(name)
    if version is None:
        raise LookupError(f"no static file {name!r}")
    return f"{STATIC_PREFIX}/{version}/{name}"


@router.get(STATIC_PREFIX + "/{version}/{name:path}")
async def static_file(version: str, name: str) -> Response:
    if _version(name) != version or Path(name).suffix not in _MEDIA_TYPES:
        return PlainTextResponse("not found", status_code=404)
    return FileResponse(
        STATIC_DIR / name,
        media_type=_MEDIA_TYPES[Path(name).suffix],
        headers={"Cache-Control": IMMUTABLE},
    )
