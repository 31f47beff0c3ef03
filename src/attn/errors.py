"""Domain errors. Services raise these; one handler renders the JSON error envelope.

``{"error": {"code": ..., "message": ..., "details": ...}}`` with ``status`` as HTTP status.
"""

from __future__ import annotations

from typing import Any


class AttnError(Exception):
    """Base of every error a client may see; ``code`` is stable and machine-readable."""

    status: int = 400
    code: str = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: Any = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details

    def to_body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class InvalidInput(AttnError):
    status = 422
    code = "invalid_input"


class Unauthorized(AttnError):
    status = 401
    code = "unauthorized"


class Forbidden(AttnError):
    status = 403
    code = "forbidden"


class NotFound(AttnError):
    status = 404
    code = "not_found"


class Conflict(AttnError):
    status = 409
    code = "conflict"


class NotAStudent(InvalidInput):
    """A teacher's or admin's number given where a student's belongs (a manual add)."""

    code = "not_a_student"


class RateLimited(AttnError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code, details={"retry_after": retry_after})
        self.retry_after = retry_after


class ServiceUnavailable(AttnError):
    status = 503
    code = "unavailable"


# Check-in refusals: the attendance exists but cannot take check-ins now (409, own codes).
class AttendanceNotOpen(Conflict):
    code = "attendance_not_open"


class AttendanceFinished(AttendanceNotOpen):
    code = "attendance_finished"


class AttendanceNotStarted(AttendanceNotOpen):
    code = "attendance_not_started"


class AttendanceEnded(AttendanceNotOpen):
    code = "attendance_ended"


class AttendanceDeleted(AttendanceNotOpen):
    code = "attendance_deleted"


class PayloadTooLarge(AttnError):
    """A request body over its route's limit (``details.max_bytes``), refused while read."""

    status = 413
    code = "payload_too_large"

    def __init__(self, max_bytes: int, what: str = "the request body") -> None:
        super().__init__(
            f"{what} is larger than {max_bytes} bytes", details={"max_bytes": max_bytes}
        )
        self.max_bytes = max_bytes
