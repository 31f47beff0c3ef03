"""The error catalogue: every error a client may see, with its status and code.

A new error class, a changed status or a renamed code is an API change: this list is
where it shows, and the OpenAPI error responses are built from the same classes.
"""

from __future__ import annotations

from typing import Any

import pytest

from attn.api.errors import error_responses
from attn.app import create_app
from attn.config import Settings
from attn.error_catalogue import catalogue, codes_by_status
from attn.errors import AttnError, Conflict, RateLimited

EXPECTED = [
    ("AttnError", 400, "bad_request"),
    ("BadSignature", 401, "bad_signature"),
    ("InvalidCredentials", 401, "invalid_credentials"),
    ("InvalidToken", 401, "invalid_token"),
    ("MetricsTokenInvalid", 401, "metrics_token_invalid"),
    ("RememberInvalid", 401, "remember_invalid"),
    ("RememberReplayed", 401, "remember_replayed"),
    ("RememberWrongDevice", 401, "remember_wrong_device"),
    ("StaleTimestamp", 401, "stale_timestamp"),
    ("Unauthorized", 401, "unauthorized"),
    ("CrossSiteForm", 403, "cross_site_form"),
    ("CsrfFailed", 403, "csrf_failed"),
    ("Forbidden", 403, "forbidden"),
    ("MetricsForbidden", 403, "metrics_forbidden"),
    ("NotEnrolled", 403, "not_enrolled"),
    ("NotInAttendance", 403, "not_in_attendance"),
    ("NotYourAttendance", 403, "not_your_attendance"),
    ("NotYourCourse", 403, "not_your_course"),
    ("NotYourExcuse", 403, "not_your_excuse"),
    ("NotYourReport", 403, "not_your_report"),
    ("WrongRole", 403, "wrong_role"),
    ("AttendanceNotFound", 404, "attendance_not_found"),
    ("AttendanceNotLive", 404, "attendance_not_live"),
    ("CourseNotFound", 404, "course_not_found"),
    ("EnrolmentNotFound", 404, "enrolment_not_found"),
    ("ExcuseFileNotFound", 404, "excuse_file_not_found"),
    ("ExcuseNotFound", 404, "excuse_not_found"),
    ("NotFound", 404, "not_found"),
    ("RecordNotFound", 404, "record_not_found"),
    ("UnknownCallback", 404, "unknown_callback"),
    ("UserNotFound", 404, "user_not_found"),
    ("AlreadyEnrolled", 409, "already_enrolled"),
    ("AttendanceDeleted", 409, "attendance_deleted"),
    ("AttendanceEnded", 409, "attendance_ended"),
    ("AttendanceExists", 409, "attendance_exists"),
    ("AttendanceFinished", 409, "attendance_finished"),
    ("AttendanceLive", 409, "attendance_live"),
    ("AttendanceNotOpen", 409, "attendance_not_open"),
    ("AttendanceNotStarted", 409, "attendance_not_started"),
    ("AttendanceNotStored", 409, "attendance_not_stored"),
    ("Busy", 409, "busy"),
    ("CallbackReplayed", 409, "callback_replayed"),
    ("CallbackTooLate", 409, "callback_too_late"),
    ("CodeNotEnabled", 409, "code_not_enabled"),
    ("Conflict", 409, "conflict"),
    ("CourseExists", 409, "course_exists"),
    ("ExcuseDecided", 409, "excuse_decided"),
    ("ExcuseExists", 409, "excuse_exists"),
    ("ExcuseNotNeeded", 409, "excuse_not_needed"),
    ("LiveAttendanceExists", 409, "live_attendance_exists"),
    ("OwnAccount", 409, "own_account"),
    ("RecordDeleted", 409, "record_deleted"),
    ("RecordNotPending", 409, "record_not_pending"),
    ("UserExists", 409, "user_exists"),
    ("LengthRequired", 411, "length_required"),
    ("PayloadTooLarge", 413, "payload_too_large"),
    ("UnsupportedMediaType", 415, "unsupported_media_type"),
    ("CallbackMismatch", 422, "callback_mismatch"),
    ("DeviceIdInvalid", 422, "device_id_invalid"),
    ("DeviceIdRequired", 422, "device_id_required"),
    ("ExcuseFileType", 422, "excuse_file_type"),
    ("FaceUnavailable", 422, "face_unavailable"),
    ("FullNameRequired", 422, "full_name_required"),
    ("InvalidCallback", 422, "invalid_callback"),
    ("InvalidChecks", 422, "invalid_checks"),
    ("InvalidCsv", 422, "invalid_csv"),
    ("InvalidCursor", 422, "invalid_cursor"),
    ("InvalidEventId", 422, "invalid_event_id"),
    ("InvalidExcuse", 422, "invalid_excuse"),
    ("InvalidInput", 422, "invalid_input"),
    ("InvalidUser", 422, "invalid_user"),
    ("InvalidWindow", 422, "invalid_window"),
    ("NetworkUnknown", 422, "network_unknown"),
    ("NoFile", 422, "no_file"),
    ("NotAStudent", 422, "not_a_student"),
    ("NotATeacher", 422, "not_a_teacher"),
    ("PhotoRequired", 422, "photo_required"),
    ("PhotoTooLarge", 422, "photo_too_large"),
    ("PhotoType", 422, "photo_type"),
    ("ReasonRequired", 422, "reason_required"),
    ("SearchQueryRequired", 422, "search_query_required"),
    ("RateLimited", 429, "rate_limited"),
    ("TooManyWrongCodes", 429, "too_many_wrong_codes"),
    ("InternalError", 500, "internal_error"),
    ("DatabaseUnavailable", 503, "database_unavailable"),
    ("RedisUnavailable", 503, "redis_unavailable"),
    ("TooManyListeners", 503, "too_many_listeners"),
    ("ServiceUnavailable", 503, "unavailable"),
    ("VerificationUnavailable", 503, "verification_unavailable"),
]


def test_every_error_class_is_listed_with_its_status_and_code() -> None:
    assert [(cls.__name__, cls.status, cls.code) for cls in catalogue()] == EXPECTED


def test_codes_are_unique() -> None:
    codes = [code for _name, _status, code in EXPECTED]
    assert len(codes) == len(set(codes))


def test_a_subclass_keeps_its_kind() -> None:
    for cls in catalogue():
        for base in cls.__mro__[1:]:
            if base is AttnError or not issubclass(base, AttnError):
                continue
            assert cls.status == base.status, cls  # e.g. every Conflict is a 409


def test_an_error_carries_its_message_and_details() -> None:
    error = Conflict("it moved", details={"field": "x"})
    assert (error.status, error.code, error.message, error.details) == (
        409,
        "conflict",
        "it moved",
        {"field": "x"},
    )
    limited = RateLimited("slow down", retry_after=7)
    assert limited.details == {"retry_after": 7}


@pytest.mark.parametrize("status", sorted(codes_by_status()))
def test_the_openapi_error_response_names_the_codes_of_its_status(status: int) -> None:
    description = error_responses(status)[status]["description"]
    for code in codes_by_status()[status]:
        assert f"`{code}`" in description


def test_the_openapi_document_names_the_codes() -> None:
    schema: dict[str, Any] = create_app(Settings()).openapi()
    check_in = schema["paths"]["/api/v1/attendances/{attendance_id}/check-in"]["post"]
    assert "`attendance_finished`" in check_in["responses"]["409"]["description"]
    assert "`invalid_token`" in check_in["responses"]["401"]["description"]
