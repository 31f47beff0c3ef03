"""Every error a client may see, as a named class: its HTTP status and stable ``code``.

Services raise these; one handler renders the JSON error envelope
``{"error": {"code": ..., "message": ..., "details": ...}}`` with ``status`` as HTTP status.
The data layer does not raise them: it reports its own outcomes
(:mod:`attn.db.outcomes`), which :mod:`attn.services.outcomes` translates into these.
:func:`attn.error_catalogue.catalogue` lists every class; the OpenAPI error responses
are built from it.
"""

from __future__ import annotations

from typing import Any, ClassVar


class AttnError(Exception):
    """Base of every error a client may see; ``code`` is stable and machine-readable."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


# --- by HTTP status: the general kinds, each also raised as it is ---------------------


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


class LengthRequired(AttnError):
    status = 411
    code = "length_required"


class PayloadTooLarge(AttnError):
    """A request body over its route's limit (``details.max_bytes``), refused while read."""

    status = 413
    code = "payload_too_large"

    def __init__(self, max_bytes: int, what: str = "the request body") -> None:
        super().__init__(
            f"{what} is larger than {max_bytes} bytes", details={"max_bytes": max_bytes}
        )
        self.max_bytes = max_bytes


class UnsupportedMediaType(AttnError):
    status = 415
    code = "unsupported_media_type"


class RateLimited(AttnError):
    """Too many requests: ``details.retry_after`` (and the Retry-After header) say when."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, details={"retry_after": retry_after})
        self.retry_after = retry_after


class InternalError(AttnError):
    status = 500
    code = "internal_error"


class ServiceUnavailable(AttnError):
    status = 503
    code = "unavailable"


class DatabaseUnavailable(ServiceUnavailable):
    code = "database_unavailable"


class RedisUnavailable(ServiceUnavailable):
    code = "redis_unavailable"


class TooManyListeners(ServiceUnavailable):
    """This API process already serves ``ATTN_LIVE_LISTENERS_MAX`` live channels; the
    client retries (another process behind the load balancer may take it)."""

    code = "too_many_listeners"


class VerificationUnavailable(ServiceUnavailable):
    """The face verification service is not configured or did not answer."""

    code = "verification_unavailable"


# --- 401: who is calling --------------------------------------------------------------


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"


class InvalidToken(Unauthorized):
    """A malformed, expired, replaced or logged-out session token."""

    code = "invalid_token"


class RememberInvalid(Unauthorized):
    """A "remember this phone" credential that is malformed, unknown, expired or revoked."""

    code = "remember_invalid"


class RememberReplayed(Unauthorized):
    """An already rotated remember credential came back: a copied cookie. The chain is
    revoked, so neither copy works any more."""

    code = "remember_replayed"


class RememberWrongDevice(Unauthorized):
    """A remember credential sent from another device id than it was issued to."""

    code = "remember_wrong_device"


class BadSignature(Unauthorized):
    """A face verification callback without a valid signature."""

    code = "bad_signature"


class StaleTimestamp(Unauthorized):
    """A face verification callback signed too far from our clock (a replay, or skew)."""

    code = "stale_timestamp"


class MetricsTokenInvalid(Unauthorized):
    """``GET /metrics`` without the configured ``ATTN_METRICS_TOKEN``, or with another."""

    code = "metrics_token_invalid"


# --- 403: who may ---------------------------------------------------------------------


class WrongRole(Forbidden):
    code = "wrong_role"


class NotYourAttendance(Forbidden):
    code = "not_your_attendance"


class CsrfFailed(Forbidden):
    code = "csrf_failed"


class CrossSiteForm(Forbidden):
    """A page's form posted from another site (the browser's Sec-Fetch-Site or Origin)."""

    code = "cross_site_form"


class MetricsForbidden(Forbidden):
    """``GET /metrics`` from an address outside ``ATTN_METRICS_NETWORKS`` (or, with
    nothing configured, not a direct loopback connection)."""

    code = "metrics_forbidden"


# --- 404: what is not there -----------------------------------------------------------


class AttendanceNotFound(NotFound):
    code = "attendance_not_found"


class AttendanceNotLive(NotFound):
    """The attendance left Redis (persisted) where only a live one will do."""

    code = "attendance_not_live"


class RecordNotFound(NotFound):
    code = "record_not_found"


class UserNotFound(NotFound):
    code = "user_not_found"


class UnknownCallback(NotFound):
    code = "unknown_callback"


# --- 409: the state refuses the change ------------------------------------------------


class Busy(Conflict):
    """A compare-and-set kept losing to concurrent changes, or a start is in progress."""

    code = "busy"


class AttendanceExists(Conflict):
    code = "attendance_exists"


class LiveAttendanceExists(Conflict):
    """The teacher already runs an attendance in this time window."""

    code = "live_attendance_exists"


class AttendanceLive(Conflict):
    """A correction of an attendance that is still live (they apply once it is stored)."""

    code = "attendance_live"


class RecordDeleted(Conflict):
    code = "record_deleted"


class RecordNotPending(Conflict):
    code = "record_not_pending"


class CodeNotEnabled(Conflict):
    code = "code_not_enabled"


class CallbackTooLate(Conflict):
    code = "callback_too_late"


class CallbackReplayed(Conflict):
    code = "callback_replayed"


class UserExists(Conflict):
    code = "user_exists"


class OwnAccount(Conflict):
    """An admin may not deactivate the account they are logged in with (nobody could
    reactivate the last admin)."""

    code = "own_account"


class AttendanceNotOpen(Conflict):
    """The attendance exists but takes no check-in (nor code) now."""

    code = "attendance_not_open"


class AttendanceFinished(AttendanceNotOpen):
    code = "attendance_finished"


class AttendanceNotStarted(AttendanceNotOpen):
    code = "attendance_not_started"


class AttendanceEnded(AttendanceNotOpen):
    code = "attendance_ended"


class AttendanceDeleted(AttendanceNotOpen):
    code = "attendance_deleted"


# --- 422: what was sent ---------------------------------------------------------------


class ReasonRequired(InvalidInput):
    code = "reason_required"


class FullNameRequired(InvalidInput):
    code = "full_name_required"


class NotAStudent(InvalidInput):
    """A teacher's or admin's number given where a student's belongs (a manual add)."""

    code = "not_a_student"


class InvalidWindow(InvalidInput):
    code = "invalid_window"


class InvalidChecks(InvalidInput):
    code = "invalid_checks"


class FaceUnavailable(InvalidInput):
    """The face check asked for on a server without a verification service."""

    code = "face_unavailable"


class NetworkUnknown(InvalidInput):
    code = "network_unknown"


class SearchQueryRequired(InvalidInput):
    code = "search_query_required"


class InvalidUser(InvalidInput):
    code = "invalid_user"


class InvalidCursor(InvalidInput):
    """A page position (``older_than``) this server did not hand out."""

    code = "invalid_cursor"


class InvalidCsv(InvalidInput):
    code = "invalid_csv"


class NoFile(InvalidInput):
    code = "no_file"


class PhotoRequired(InvalidInput):
    code = "photo_required"


class PhotoTooLarge(InvalidInput):
    code = "photo_too_large"


class PhotoType(InvalidInput):
    code = "photo_type"


class InvalidEventId(InvalidInput):
    """A ``Last-Event-ID`` or ``after`` that is no live-channel event id (``<ms>-<seq>``)."""

    code = "invalid_event_id"


class DeviceIdRequired(InvalidInput):
    code = "device_id_required"


class DeviceIdInvalid(InvalidInput):
    code = "device_id_invalid"


class InvalidCallback(InvalidInput):
    code = "invalid_callback"


class CallbackMismatch(InvalidInput):
    code = "callback_mismatch"


# --- 429 ------------------------------------------------------------------------------


class TooManyWrongCodes(RateLimited):
    code = "too_many_wrong_codes"
