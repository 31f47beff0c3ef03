"""The checks of one check-in, in the order docs/security.md gives.

Input first, so that a 422 means nothing happened (no wrong code counted):
1. the device id (``X-Device-Id``): required with the ``device`` check, refused when
   malformed (leaving the header out or mangling it must not skip the check);
2. the photo: required and validated (size, type by its bytes) with the ``face`` check.
Then the checks:
3. ``code`` (typed, or the QR scan's ticket instead: :mod:`.scan_tickets`): may raise
   RateLimited ``too_many_wrong_codes``, else passes or fails;
4. ``network``: passes or fails.

Malformed input raises; a failed check does not. It becomes the record's ``fail_reason``
(the first one that failed), so the attempt is stored as ``rejected`` for the teacher to
see, and the student's next correct attempt replaces it. The device claim itself is made
by the check-in script, atomically with the record (``lua/check_in.lua``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from attn.config import Settings
from attn.db.redis_client import RedisClient
from attn.errors import PhotoRequired, ServiceUnavailable
from attn.models import LessonRedis
from attn.services.security import codes, devices, face, network, scan_tickets


@dataclass(frozen=True)
class CheckInAttempt:
    """What a student sent with a check-in besides who they are. Each part is needed only
    by the checks the attendance has on; the rest is ignored (the device id is still kept
    on the record when given)."""

    client_ip: str
    code: str | None = None
    scan_ticket: str | None = None
    """Stands in for ``code``: the ticket of a QR scan (:mod:`.scan_tickets`)."""
    device_id: str | None = None
    photo: bytes | None = None
    photo_type: str | None = None


@dataclass(frozen=True)
class Verdict:
    """The outcome of the checks made before the record is written."""

    fail_reason: str | None
    """The first check that failed, or None."""
    device_id: str | None
    photo: bytes | None = None
    photo_type: str | None = None
    """Set (and validated) only when the ``face`` check is on."""


async def run_checks(
    redis: RedisClient,
    settings: Settings,
    lesson: LessonRedis,
    student_number: str,
    attempt: CheckInAttempt,
    now: datetime,
) -> Verdict:
    """Validate the input and run the ``code`` and ``network`` checks.

    Raises InvalidInput (``device_id_required``, ``device_id_invalid``,
    ``photo_required``, ``photo_too_large``, ``photo_type``) and RateLimited
    (``too_many_wrong_codes``).
    """
    checks = lesson.checks
    device_id = devices.validate_device_id(attempt.device_id, required=checks.device)
    photo_type: str | None = None
    if checks.face:
        photo_type = _validated_photo(settings, attempt)
    fail_reason: str | None = None
    if checks.code:
        ticket = attempt.scan_ticket
        fail_reason = await (
            scan_tickets.check_ticket(
                redis, settings, lesson, student_number, ticket, device_id, now
            )
            if ticket is not None
            else codes.check_code(
                redis, settings, lesson.attendance_id, student_number, attempt.code, now
            )
        )
    if checks.network and fail_reason is None:
        fail_reason = network.check_network(attempt.client_ip, checks.allowed_networks)
    if not checks.face:
        return Verdict(fail_reason=fail_reason, device_id=device_id)
    return Verdict(
        fail_reason=fail_reason, device_id=device_id, photo=attempt.photo, photo_type=photo_type
    )


def _validated_photo(settings: Settings, attempt: CheckInAttempt) -> str:
    """The photo's media type; it must be there with the ``face`` check."""
    if not attempt.photo:
        raise PhotoRequired(
            f"this attendance needs a photo: send the check-in as multipart/form-data "
            f"with the file field {face.PHOTO_FIELD!r}",
            details={"field": face.PHOTO_FIELD},
        )
    return face.validate_photo(attempt.photo, attempt.photo_type, settings.face_photo_max_bytes)


@dataclass(frozen=True)
class FaceSubmission:
    """The photo's way to the verification service: a callback id to wait for, or why the
    record is rejected at once."""

    callback_id: str | None
    fail_reason: str | None


async def submit_face(
    redis: RedisClient,
    verifier: face.FaceVerifier | None,
    lesson: LessonRedis,
    student_number: str,
    verdict: Verdict,
) -> FaceSubmission:
    """Send the photo of a check-in that passed every other check.

    A device another student holds is caught here already (a hint; the check-in script
    decides atomically) so the service is not asked about a record that is rejected
    anyway. A service that is not configured, down, slow or refusing gives
    ``verification_unavailable``: the record is stored as rejected, and the student may
    simply try again.
    """
    aid = lesson.attendance_id
    if lesson.checks.device and verdict.device_id is not None:
        holder = await redis.device_holder(aid, verdict.device_id)
        if holder is not None and holder != student_number:
            return FaceSubmission(callback_id=None, fail_reason=devices.DEVICE_REUSED)
    if verifier is None or verdict.photo is None or verdict.photo_type is None:
        return FaceSubmission(callback_id=None, fail_reason=face.VERIFICATION_UNAVAILABLE)
    try:
        callback_id = await verifier.submit(aid, student_number, verdict.photo, verdict.photo_type)
    except ServiceUnavailable:
        return FaceSubmission(callback_id=None, fail_reason=face.VERIFICATION_UNAVAILABLE)
    return FaceSubmission(callback_id=callback_id, fail_reason=None)
