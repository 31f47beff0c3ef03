"""The server-rendered web UI: small pages that call the same API as every other client."""

from __future__ import annotations

from attn.web.pages import router

__all__ = ["router"]
