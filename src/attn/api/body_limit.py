"""Request body size limits, enforced while the body is read, before any route sees it.

:class:`BodyLimitMiddleware` is pure ASGI (``BaseHTTPMiddleware`` would buffer): it answers
``413 payload_too_large`` at once when ``Content-Length`` already says too much, and else
counts the bytes ``receive`` hands out, raising :class:`attn.errors.PayloadTooLarge` as
soon as they pass the route's limit, so a chunked body or one longer than it declared is
cut off, never buffered whole. The 413 closes the connection (``api.errors``): the rest of
an oversized upload is not read just to be thrown away.

The per-request cost is a dict lookup, a scan of the headers and a counter; ``send`` is
not wrapped: the check-in a lecture hall sends all at once pays as little as possible.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from attn.api.checkin.body import MAX_JSON_BYTES, MULTIPART_OVERHEAD_BYTES
from attn.api.errors import error_response
from attn.api.excuse_upload import EXCUSE_BODY_PATHS, MAX_EXCUSE_BODY_BYTES
from attn.api.users import MAX_IMPORT_BODY_BYTES
from attn.api.verification import MAX_CALLBACK_BYTES
from attn.config import Settings
from attn.errors import PayloadTooLarge

CHECK_IN_PREFIX, CHECK_IN_SUFFIX = "/api/v1/attendances/", "/check-in"
CHECK_IN_PAGE_PREFIX = "/check-in/"
"""The check-in page's own form (``web/check_in_form.py``) may carry the photo too."""


def route_body_limits() -> dict[str, int]:
    """Exact paths with limits of their own (their readers check the same constants)."""
    return {
        "/api/v1/users/import": MAX_IMPORT_BODY_BYTES,
        "/admin/import": MAX_IMPORT_BODY_BYTES,  # the admin page's upload of the same file
        "/api/v1/verification/callback": MAX_CALLBACK_BYTES,
    }


def check_in_body_limit(settings: Settings) -> int:
    """A check-in is a tiny JSON body or a form with one photo (api/checkin/body.py's limits)."""
    return max(MAX_JSON_BYTES, settings.face_photo_max_bytes + MULTIPART_OVERHEAD_BYTES)


Refusal = Callable[[Scope, PayloadTooLarge], Response]
"""What a refused request gets: the JSON envelope by default; a page for a page's form."""


def json_refusal(scope: Scope, exc: PayloadTooLarge) -> Response:
    return error_response(exc)


class BodyLimitMiddleware:
    """Caps every HTTP request body: ``limits`` by exact path, the excuse forms' and the
    check-in path's own, ``default`` (``ATTN_MAX_JSON_BODY_BYTES``) for everything else."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        default: int,
        limits: Mapping[str, int],
        check_in: int,
        refusal: Refusal = json_refusal,
    ) -> None:
        self.app = app
        self.default = default
        self.limits = dict(limits)
        self.check_in = check_in
        self.refusal = refusal

    def limit_for(self, path: str) -> int:
        limit = self.limits.get(path)
        if limit is not None:
            return limit
        for prefix, suffix in EXCUSE_BODY_PATHS:  # one id between them: the excuse forms
            if path.startswith(prefix) and path.endswith(suffix):
                return MAX_EXCUSE_BODY_BYTES
        if path.endswith(CHECK_IN_SUFFIX) and path.startswith(CHECK_IN_PREFIX):
            return self.check_in
        if path.startswith(CHECK_IN_PAGE_PREFIX):
            return self.check_in
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit() or int(value) > limit:  # servers refuse a bad one first
                    await self._refuse(scope, send, limit)
                    return
                break
        received = 0

        async def receive_counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge(limit)  # rendered by api.errors, or below
            return message

        try:
            await self.app(scope, receive_counted, send)
        except PayloadTooLarge:  # raised where no handler caught it
            await self._refuse(scope, send, limit)

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        """The 413, sent directly (the app was not called or rendered nothing)."""
        response = self.refusal(scope, PayloadTooLarge(limit))
        await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
