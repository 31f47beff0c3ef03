"""Reading a raw request body with a size limit, for routes that read the body themselves.

Most routes declare a body model and leave reading to FastAPI; a few read the bytes
themselves: the verification callback (its signature covers the exact bytes), the check-in
(JSON or multipart on one endpoint) and the CSV import. They check the same limits as
:mod:`attn.api.body_limit` while they read, so the 413 names what was too large.
"""

from __future__ import annotations

from fastapi import Request

from attn.errors import PayloadTooLarge


def media_type(request: Request) -> str:
    """The ``Content-Type`` without its parameters, lower-cased (``""`` when absent)."""
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def declared_over(request: Request, limit: int) -> bool:
    """Whether ``Content-Length`` already says more than ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    return declared.isdigit() and int(declared) > limit


async def read_body(request: Request, limit: int, what: str = "the request body") -> bytes:
    """The raw body, refused (``PayloadTooLarge``) as soon as it passes ``limit`` bytes."""
    if declared_over(request, limit):
        raise PayloadTooLarge(limit, what)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(limit, what)
        chunks.append(chunk)
    return b"".join(chunks)
