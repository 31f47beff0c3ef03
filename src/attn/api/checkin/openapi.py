"""What OpenAPI says of the check-in, which reads its body, header and token itself.

The route reads the body itself instead of declaring a body model, because one endpoint
takes both JSON and multipart, and the photo must be read with a size limit (see
:mod:`attn.api.checkin.body`); :mod:`attn.api.checkin.context` reads the bearer token and
the ``X-Device-Id`` header. So the route declares all three here, exactly as FastAPI would
have from parameters.
"""

from __future__ import annotations

from typing import Any

from attn.api.deps import bearer_scheme
from attn.api.errors import error_responses
from attn.models.api_attendances import RecordOut
from attn.models.api_checkin import CHECK_IN_MULTIPART_SCHEMA, CheckInIn
from attn.services.security.devices import DEVICE_ID_HEADER

CHECK_IN_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": False,
        "description": "Optional: none, JSON, or multipart/form-data when a photo is sent.",
        "content": {
            "application/json": {"schema": CheckInIn.model_json_schema()},
            "multipart/form-data": {"schema": CHECK_IN_MULTIPART_SCHEMA},
        },
    }
}

DEVICE_ID_DESCRIPTION = (
    "The device's id (8-128 of A-Z a-z 0-9 . _ : -); required when the attendance has the "
    "device check. The web UI keeps a random one in local storage."
)

CHECK_IN_OPENAPI: dict[str, Any] = {
    **CHECK_IN_REQUEST_BODY,
    "parameters": [
        {
            "name": DEVICE_ID_HEADER,
            "in": "header",
            "required": False,
            "description": DEVICE_ID_DESCRIPTION,
            "schema": {
                "anyOf": [{"type": "string"}, {"type": "null"}],
                "description": DEVICE_ID_DESCRIPTION,
                "title": DEVICE_ID_HEADER,
            },
        }
    ],
    "security": [{bearer_scheme.scheme_name: []}],
}
"""What the route's parameters would have told OpenAPI: the body, the header, the token."""

CHECK_IN_RESPONSES: dict[int | str, Any] = {
    200: {"model": RecordOut, "description": "already checked in: the existing record"},
    **error_responses(401, 403, 404, 409, 415, 422, 429),
}
