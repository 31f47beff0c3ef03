"""Security headers for every page: a Content-Security-Policy without ``unsafe-inline``.

Pages carry no inline script or style: everything they run or style with is a file the app
serves (:mod:`attn.web.assets`), so the policy can allow ATTN's own origin and nothing
else, and an injected ``<script>`` would not run even if escaping ever failed. The JSON API
gets the headers that make sense for data (no sniffing, no framing). The interactive API
docs (``/docs``, ``/redoc``, :mod:`attn.api.docs`) are pages too, under the same policy;
``/redoc`` sends its own, with what ReDoc needs added, which is kept (a header a response
already has is never replaced here).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PAGE_HEADERS = (
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("permissions-policy", "camera=(self), geolocation=(), microphone=()"),
)
DATA_HEADERS = (("x-content-type-options", "nosniff"), ("x-frame-options", "DENY"))


class SecurityHeadersMiddleware:
    """Adds the headers as the response starts (pure ASGI: no cost to streaming)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        extra = DATA_HEADERS if path.startswith("/api/") else PAGE_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
