"""Reading a check-in request: no body, a JSON body ``{"code"}`` or ``{"scan_ticket"}``, or
multipart/form-data (those fields and the file ``photo``), plus the ``X-Device-Id`` header.

The route reads the body itself instead of declaring a body model, because one endpoint
takes both JSON and multipart, and the photo must be read with a size limit; what OpenAPI
says of it is in :mod:`attn.api.checkin.openapi`.
"""

from __future__ import annotations

from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from attn.api.request_body import media_type, read_body
from attn.config import Settings
from attn.errors import AttnError, InvalidInput, LengthRequired, PhotoType, UnsupportedMediaType
from attn.models.api_checkin import CheckInIn
from attn.services.security.checkin_checks import CheckInAttempt
from attn.services.security.face import PHOTO_FIELD, read_photo

MAX_JSON_BYTES = 4 * 1024
"""A code is a few bytes; a larger JSON body is refused unread."""
MULTIPART_OVERHEAD_BYTES = 64 * 1024
"""Room for the form's other fields and part headers above the photo size limit."""


def unsupported_media_type(media_type: str) -> AttnError:
    return UnsupportedMediaType(
        f"send the check-in without a body, as application/json or as multipart/form-data, "
        f"not {media_type or 'an undeclared type'}",
    )


async def read_check_in(
    request: Request, settings: Settings, client_ip: str, device_id: str | None
) -> CheckInAttempt:
    """The student's attempt as sent; the checks decide what is required."""
    content_type = media_type(request)
    if content_type == "multipart/form-data":
        return await _from_form(request, settings.face_photo_max_bytes, client_ip, device_id)
    body = await read_body(request, MAX_JSON_BYTES)
    if not body.strip():
        return CheckInAttempt(client_ip=client_ip, device_id=device_id)
    if content_type != "application/json" and not content_type.endswith("+json"):
        raise unsupported_media_type(content_type)
    try:
        parsed = CheckInIn.model_validate_json(body)
    except ValidationError as exc:
        raise _invalid_body(exc) from exc
    return CheckInAttempt(
        client_ip=client_ip, code=parsed.code, scan_ticket=parsed.scan_ticket, device_id=device_id
    )


async def _from_form(
    request: Request, max_photo_bytes: int, client_ip: str, device_id: str | None
) -> CheckInAttempt:
    # The multipart parser spools a file before we see it, so the size must be known up
    # front (browsers and HTTP libraries always declare it for a form upload); a declared
    # size over the photo limit plus MULTIPART_OVERHEAD_BYTES is refused by body_limit.
    if not request.headers.get("content-length", "").isdigit():
        raise LengthRequired(
            "a multipart check-in needs a Content-Length header",
        )
    async with request.form(max_files=1, max_fields=8) as form:
        parsed = _text_fields(form.get("code"), form.get("scan_ticket"))
        photo = form.get(PHOTO_FIELD)
        data: bytes | None = None
        photo_type: str | None = None
        if isinstance(photo, UploadFile):
            # A form's empty file input arrives as an empty part: no photo, not a bad one.
            data = await read_photo(photo, max_photo_bytes) or None
            photo_type = photo.content_type
        elif photo:
            raise PhotoType(
                f"{PHOTO_FIELD} must be a file upload",
                details={"field": PHOTO_FIELD},
            )
    return CheckInAttempt(
        client_ip=client_ip,
        code=parsed.code,
        scan_ticket=parsed.scan_ticket,
        device_id=device_id,
        photo=data,
        photo_type=photo_type,
    )


def _text_fields(code: str | UploadFile | None, ticket: str | UploadFile | None) -> CheckInIn:
    for name, value in (("code", code), ("scan_ticket", ticket)):
        if isinstance(value, UploadFile):
            raise InvalidInput(f"{name} must be a text field", details={"field": name})
    try:
        return CheckInIn(
            code=str(code or "").strip() or None, scan_ticket=str(ticket or "").strip() or None
        )
    except ValidationError as exc:
        raise _invalid_body(exc) from exc


def _invalid_body(exc: ValidationError) -> InvalidInput:
    details = [
        {"loc": [str(part) for part in error["loc"]], "msg": error["msg"], "type": error["type"]}
        for error in exc.errors()
    ]
    fields = ", ".join(".".join(item["loc"]) for item in details if item["loc"]) or "body"
    return InvalidInput(f"invalid check-in body: {fields}", details=details)
