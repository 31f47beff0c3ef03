"""The ``face`` check (docs/design.md#check-in-checks), outgoing half: send the student's
photo to the outside verification service; its answer arrives later as a signed callback
(:mod:`attn.services.security.face_callback`), and until then the record is ``pending``.

Requests and callbacks are signed the same way with the shared secret
``settings.face_service_secret``: header ``X-Attn-Timestamp`` (Unix seconds) and
``X-Attn-Signature: sha256=<hex HMAC-SHA256(secret, f"{timestamp}." + body)>``. The
timestamp inside the MAC lets the receiver refuse old messages; the body inside it means
nothing can be changed on the way.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import datetime
from hashlib import sha256
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

import httpx

from attn.clock import Clock, SystemClock
from attn.config import Settings
from attn.db.redis.security import FaceRequest
from attn.db.redis_client import RedisClient
from attn.errors import PhotoTooLarge, PhotoType, ServiceUnavailable, VerificationUnavailable

log = logging.getLogger(__name__)

TIMESTAMP_HEADER = "X-Attn-Timestamp"
SIGNATURE_HEADER = "X-Attn-Signature"
SIGNATURE_PREFIX = "sha256="
CALLBACK_PATH = "/api/v1/verification/callback"
CALLBACK_ID_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"
PHOTO_FIELD = "photo"
"""The multipart field of the check-in request (and of our request to the service)."""
SUBMIT_TIMEOUT_S = 5.0
"""The service only has to accept the job; a student is waiting for the check-in answer."""
VERIFICATION_UNAVAILABLE = VerificationUnavailable.code
"""Error code when the service cannot take a photo, and the ``fail_reason`` of the rejected
record the check-in stores then (the student may simply try again)."""
PERSISTENCE_LAG_ALLOWANCE_S = 3600
"""How long after its end an attendance may still wait in Redis for persistence."""

PHOTO_SIGNATURES = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
"""Accepted photo types by their magic bytes: the declared type alone proves nothing."""
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}


# --- signatures -------------------------------------------------------------------------------


def secret_bytes(secret: bytes | str) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def signature(secret: bytes | str, timestamp: int | str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 over ``f"{timestamp}."`` followed by the raw body."""
    mac = hmac.new(secret_bytes(secret), f"{timestamp}.".encode() + body, sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def signed_headers(secret: bytes | str, body: bytes, now: datetime) -> dict[str, str]:
    """The two headers that sign ``body`` at ``now``."""
    timestamp = int(now.timestamp())
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


def configured_secret(settings: Settings) -> bytes:
    """The shared secret; ServiceUnavailable (``verification_unavailable``) without one."""
    if settings.face_service_secret is None or not settings.face_service_secret.get_secret_value():
        raise unavailable("face verification is not configured (ATTN_FACE_SERVICE_SECRET)")
    return settings.face_service_secret.get_secret_value().encode("utf-8")


def unavailable(message: str) -> ServiceUnavailable:
    return VerificationUnavailable(message)


# --- photos ---------------------------------------------------------------------------------


def validate_photo(photo: bytes, content_type: str | None, max_bytes: int) -> str:
    """The photo's media type (``image/jpeg`` or ``image/png``), checked against its bytes.

    Raises InvalidInput ``photo_too_large`` over ``max_bytes`` and ``photo_type`` when the
    declared type is not JPEG/PNG or the content does not start like one.
    """
    if len(photo) > max_bytes:
        raise PhotoTooLarge(
            f"the photo is larger than {max_bytes} bytes",
            details={"max_bytes": max_bytes},
        )
    declared = (content_type or "").split(";", 1)[0].strip().lower()
    magics = PHOTO_SIGNATURES.get(declared)
    if magics is None or not photo.startswith(magics):
        raise PhotoType("the photo must be a JPEG or PNG image", details={"type": declared})
    return declared


class AsyncReadable(Protocol):
    async def read(self, size: int = -1) -> bytes: ...


async def read_photo(upload: AsyncReadable, max_bytes: int) -> bytes:
    """Read an upload (e.g. Starlette's ``UploadFile``), never more than ``max_bytes`` + 1.

    Raises InvalidInput ``photo_too_large`` as soon as the limit is passed.
    """
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PhotoTooLarge(
            f"the photo is larger than {max_bytes} bytes",
            details={"max_bytes": max_bytes},
        )
    return data


# --- the request ------------------------------------------------------------------------------


def new_callback_id() -> str:
    """Unguessable, URL- and key-safe (32 characters)."""
    return secrets.token_urlsafe(24)


def face_request_ttl(settings: Settings) -> int:
    """How long a request waits for its callback: the longest attendance, the persistence
    lag allowance and the late-callback window."""
    return (
        settings.max_attendance_minutes * 60
        + PERSISTENCE_LAG_ALLOWANCE_S
        + settings.face_late_callback_seconds
    )


class FaceVerifier:
    """Sends photos to the outside service. One per process (it holds an HTTP connection
    pool): create it in the lifespan, ``await verifier.aclose()`` on shutdown."""

    def __init__(
        self,
        settings: Settings,
        redis: RedisClient,
        *,
        http: httpx.AsyncClient | None = None,
        clock: Clock | None = None,
        timeout_s: float = SUBMIT_TIMEOUT_S,
    ) -> None:
        self._settings = settings
        self._redis = redis
        self._clock: Clock = clock or SystemClock()
        self._timeout = httpx.Timeout(timeout_s)
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(timeout=self._timeout, follow_redirects=False)

    @property
    def configured(self) -> bool:
        return bool(self._settings.face_service_url and self._settings.face_service_secret)

    @property
    def callback_url(self) -> str:
        return self._settings.public_base_url.rstrip("/") + CALLBACK_PATH

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def submit(
        self,
        attendance_id: UUID | str,
        student_number: str,
        photo: bytes,
        content_type: str,
    ) -> str:
        """Ask the service to verify ``photo``; returns the callback id its answer will carry.

        The request is registered in Redis before it is sent, so even an immediate callback
        finds it. Raises InvalidInput (``photo_too_large``, ``photo_type``) and
        ServiceUnavailable (``verification_unavailable``) when the service is not
        configured, cannot be reached, times out or does not answer 2xx.
        """
        media_type = validate_photo(photo, content_type, self._settings.face_photo_max_bytes)
        url = self._settings.face_service_url
        if not url:
            raise unavailable("face verification is not configured (ATTN_FACE_SERVICE_URL)")
        secret = configured_secret(self._settings)
        now = self._clock.now()
        callback_id = new_callback_id()
        await self._redis.save_face_request(
            FaceRequest(
                callback_id=callback_id,
                attendance_id=UUID(str(attendance_id)),
                student_number=student_number,
                submitted_at=now,
            ),
            face_request_ttl(self._settings),
        )
        request = self._request(url, attendance_id, student_number, callback_id, photo, media_type)
        body = request.read()  # the exact bytes that are signed are the bytes sent
        request.headers.update(signed_headers(secret, body, now))
        await self._send(request, callback_id)
        return callback_id

    def _request(
        self,
        url: str,
        attendance_id: UUID | str,
        student_number: str,
        callback_id: str,
        photo: bytes,
        media_type: str,
    ) -> httpx.Request:
        """The multipart POST the service expects: whose photo, where to answer, the photo."""
        return self._http.build_request(
            "POST",
            url,
            data={
                "attendance_id": str(attendance_id),
                "student_number": student_number,
                "callback_url": self.callback_url,
                "callback_id": callback_id,
            },
            files={PHOTO_FIELD: (f"photo.{_EXTENSIONS[media_type]}", photo, media_type)},
            timeout=self._timeout,
        )

    async def _send(self, request: httpx.Request, callback_id: str) -> None:
        """Send the signed request; if the service does not take it, forget the registered
        request (no callback will come) and raise ``verification_unavailable``."""
        try:
            response = await self._http.send(request)
        except httpx.HTTPError as exc:
            await self._redis.delete_face_request(callback_id)
            log.warning("face verification service unreachable: %r", exc)
            raise unavailable(
                "the face verification service cannot be reached; try again shortly"
            ) from exc
        if not response.is_success:
            await self._redis.delete_face_request(callback_id)
            log.warning("face verification service answered %s", response.status_code)
            raise unavailable(
                f"the face verification service refused the request ({response.status_code})"
            )
