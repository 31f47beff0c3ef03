"""Check-in security: the anti-proxy checks a teacher picks per attendance
(docs/design.md#check-in-checks).

- ``code`` (:mod:`.codes`): a rotating code / QR proves the student sees the classroom;
- ``network`` (:mod:`.network`): the client address must be in the allowed ranges;
- ``device`` (:mod:`.devices`): one device checks in only one student per attendance;
- ``face`` (:mod:`.face`, :mod:`.face_callback`): an outside service compares a photo and
  answers with a signed callback; the record is ``pending`` until then.

Each check returns a machine-readable ``fail_reason`` (the constants below) instead of
raising, so the check-in can record the failed attempt as ``rejected`` for the teacher to
see and, if they wish, accept by hand. Only malformed input (a bad device id or photo)
raises InvalidInput, and too many wrong codes raise RateLimited. The check-in runs them in
:mod:`.checkin_checks`. See docs/security.md.
"""

from __future__ import annotations

from attn.clock import Clock, FrozenClock, SystemClock
from attn.services.security.codes import CODE_INVALID
from attn.services.security.devices import DEVICE_ID_HEADER, DEVICE_REUSED
from attn.services.security.face import PHOTO_FIELD, VERIFICATION_UNAVAILABLE
from attn.services.security.face_callback import FACE_MISMATCH, VERIFICATION_TIMEOUT
from attn.services.security.network import NETWORK_MISMATCH

FAIL_REASONS = frozenset(
    {
        CODE_INVALID,
        NETWORK_MISMATCH,
        DEVICE_REUSED,
        FACE_MISMATCH,
        VERIFICATION_TIMEOUT,
        VERIFICATION_UNAVAILABLE,
    }
)
"""Every ``fail_reason`` the checks produce (teacher decisions add their own)."""

__all__ = [
    "CODE_INVALID",
    "DEVICE_ID_HEADER",
    "DEVICE_REUSED",
    "FACE_MISMATCH",
    "FAIL_REASONS",
    "NETWORK_MISMATCH",
    "PHOTO_FIELD",
    "VERIFICATION_TIMEOUT",
    "VERIFICATION_UNAVAILABLE",
    "Clock",
    "FrozenClock",
    "SystemClock",
]
