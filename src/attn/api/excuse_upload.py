"""Reading an excuse request's form: ``note`` and at most one ``file`` (multipart), or a
JSON body ``{"note"}`` without a file.

The file is read with its size limit (5 MiB) and checked by its content in the service;
the body as a whole is capped by :mod:`attn.api.body_limit` at the file's limit plus room
for the note and the part headers, on the API's path and the student page's form alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from attn.api.request_body import declared_over, media_type, read_body
from attn.errors import LengthRequired, PayloadTooLarge, UnsupportedMediaType
from attn.excuse_errors import InvalidExcuse
from attn.models.api_excuses import MAX_FILE_BYTES, ExcuseNoteIn
from attn.services.excuses.files import FILE_WHAT, Upload

MAX_EXCUSE_BODY_BYTES = MAX_FILE_BYTES + 64 * 1024
EXCUSE_BODY_PATHS = (
    ("/api/v1/attendances/", "/excuses"),
    ("/student/attendances/", "/excuse"),
)
"""(prefix, suffix) of the paths that take an excuse's file: the API's and the page's."""
MAX_JSON_NOTE_BYTES = 16 * 1024
FILE_FIELD = "file"


@dataclass(frozen=True, slots=True)
class ExcuseForm:
    note: str | None
    upload: Upload | None
    fields: dict[str, str]
    """Every text field as sent (the page reads its CSRF token from here)."""


async def read_excuse_form(request: Request) -> ExcuseForm:
    """The note and the file as sent; the service validates them."""
    content_type = media_type(request)
    if content_type == "application/json":
        body = await read_body(request, MAX_JSON_NOTE_BYTES)
        try:
            parsed = ExcuseNoteIn.model_validate_json(body)
        except ValidationError as exc:
            raise InvalidExcuse(
                "send a JSON object with a note of 1-1000 characters", details={"field": "note"}
            ) from exc
        return ExcuseForm(note=parsed.note, upload=None, fields={})
    if content_type not in {"multipart/form-data", "application/x-www-form-urlencoded"}:
        raise UnsupportedMediaType(
            'send the request as multipart/form-data (note, file) or as JSON {"note"}'
        )
    if not request.headers.get("content-length", "").isdigit():
        raise LengthRequired("an excuse's form needs a Content-Length header")
    if declared_over(request, MAX_EXCUSE_BODY_BYTES):
        raise PayloadTooLarge(MAX_FILE_BYTES, FILE_WHAT)
    async with request.form(max_files=1, max_fields=8) as form:
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
        upload = await _upload(form.get(FILE_FIELD))
    return ExcuseForm(note=fields.get("note"), upload=upload, fields=fields)


async def _upload(value: object) -> Upload | None:
    if isinstance(value, UploadFile):
        data = await value.read(MAX_FILE_BYTES + 1)
        if not data and not value.filename:
            return None  # a form's empty file input: no file, not a bad one
        if len(data) > MAX_FILE_BYTES:
            raise PayloadTooLarge(MAX_FILE_BYTES, FILE_WHAT)
        return Upload(name=value.filename or "", declared_type=value.content_type, data=data)
    if value:
        raise InvalidExcuse(f"{FILE_FIELD} must be a file upload", details={"field": "file"})
    return None
