"""The face check's incoming half, pure parts: callback verification (signature, timestamp,
schema) and the outcome mapping. The route is in test_security_verification_route.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from attn.config import Environment, Settings
from attn.errors import InvalidInput, ServiceUnavailable, Unauthorized
from attn.models import RecordStatus
from attn.services.security.face import signature
from attn.services.security.face_callback import (
    FACE_MISMATCH,
    callback_outcome,
    handle_callback,
    is_late,
    verify_callback,
)
from tests.fixtures.verification_service import (
    SERVICE_SECRET,
)

CALLBACK = "/api/v1/verification/callback"
T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
SKEW = 300
PHOTO = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def body_of(**changes: Any) -> bytes:
    payload = {
        "callback_id": "cb_" + "a" * 29,
        "attendance_id": "3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f",
        "student_number": "S2001",
        "result": "match",
        "score": 0.93,
        **changes,
    }
    return json.dumps(payload).encode()


def signed(body: bytes, at: datetime = T0, secret: str = SERVICE_SECRET) -> dict[str, str]:
    stamp = int(at.timestamp())
    return {"X-Attn-Timestamp": str(stamp), "X-Attn-Signature": signature(secret, stamp, body)}


class TestVerifyCallback:
    def test_valid(self) -> None:
        body = body_of()
        callback = verify_callback(signed(body), body, SERVICE_SECRET, T0, SKEW)
        assert callback.result == "match"
        assert callback.attendance_id == UUID("3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f")
        assert callback.score == pytest.approx(0.93)

    def test_headers_are_case_insensitive_and_extra_fields_ignored(self) -> None:
        body = body_of(model="v2", score=None)
        headers = {name.lower(): value for name, value in signed(body).items()}
        assert verify_callback(headers, body, SERVICE_SECRET.encode(), T0, SKEW).score is None

    @pytest.mark.parametrize(
        "tamper",
        [
            "wrong_secret",
            "changed_body",
            "changed_timestamp",
            "no_signature",
            "no_timestamp",
            "not_hex",
            "other_scheme",
            "non_ascii",
        ],
    )
    def test_bad_signature(self, tamper: str) -> None:
        body = body_of()
        headers = signed(body)
        if tamper == "wrong_secret":
            headers = signed(body, secret="guessed")
        elif tamper == "changed_body":
            body = body_of(result="mismatch")
        elif tamper == "changed_timestamp":
            headers["X-Attn-Timestamp"] = str(int(T0.timestamp()) + 1)
        elif tamper == "no_signature":
            del headers["X-Attn-Signature"]
        elif tamper == "no_timestamp":
            del headers["X-Attn-Timestamp"]
        elif tamper == "not_hex":
            headers["X-Attn-Signature"] = "sha256=" + "z" * 64
        elif tamper == "other_scheme":
            headers["X-Attn-Signature"] = headers["X-Attn-Signature"].replace("sha256", "sha1")
        elif tamper == "non_ascii":
            headers["X-Attn-Signature"] = "sha256=" + "é" * 64
        with pytest.raises(Unauthorized) as info:
            verify_callback(headers, body, SERVICE_SECRET, T0, SKEW)
        assert info.value.code == "bad_signature"

    @pytest.mark.parametrize("offset", [SKEW + 1, -(SKEW + 1), 86_400])
    def test_stale_or_future_timestamp(self, offset: int) -> None:
        body = body_of()
        sent = T0 - timedelta(seconds=offset)
        with pytest.raises(Unauthorized) as info:
            verify_callback(signed(body, at=sent), body, SERVICE_SECRET, T0, SKEW)
        assert info.value.code == "stale_timestamp"

    @pytest.mark.parametrize("offset", [SKEW, -SKEW, 0])
    def test_timestamp_inside_the_window(self, offset: int) -> None:
        body = body_of()
        sent = T0 - timedelta(seconds=offset)
        assert verify_callback(signed(body, at=sent), body, SERVICE_SECRET, T0, SKEW)

    @pytest.mark.parametrize(
        "body",
        [
            b"not json",
            b"\xff\xfe",
            b"[]",
            body_of(result="maybe"),
            body_of(attendance_id="nope"),
            body_of(student_number="S 2001"),
            body_of(callback_id="short"),
            body_of(callback_id="bad:chars/" + "a" * 20),
            body_of(score="NaN"),
            json.dumps({"callback_id": "cb_" + "a" * 29}).encode(),
        ],
    )
    def test_bad_payload(self, body: bytes) -> None:
        with pytest.raises(InvalidInput) as info:
            verify_callback(signed(body), body, SERVICE_SECRET, T0, SKEW)
        assert info.value.code == "invalid_callback"


class TestCallbackOutcome:
    def test_outcomes(self) -> None:
        assert callback_outcome("match") == (RecordStatus.PRESENT, None)
        assert callback_outcome("match", late=True) == (RecordStatus.LATE, None)
        assert callback_outcome("mismatch") == (RecordStatus.REJECTED, FACE_MISMATCH)
        assert callback_outcome("mismatch", late=True) == (RecordStatus.REJECTED, FACE_MISMATCH)

    def test_unknown_result(self) -> None:
        with pytest.raises(ValueError, match="unknown"):
            callback_outcome("maybe")

    def test_is_late(self) -> None:
        assert not is_late(T0 + timedelta(hours=1), T0, None)
        assert not is_late(T0 + timedelta(minutes=9, seconds=59), T0, 10)
        # The check-in's rule: late only *more than* late_after_minutes after the start.
        assert not is_late(T0 + timedelta(minutes=10), T0, 10)
        assert is_late(T0 + timedelta(minutes=10, microseconds=1), T0, 10)
        assert not is_late(T0, T0, 0)

    async def test_no_secret_configured(self) -> None:
        settings = Settings(environment=Environment.TEST)
        with pytest.raises(ServiceUnavailable) as info:
            await handle_callback(None, None, settings, {}, b"", T0)  # type: ignore[arg-type]
        assert info.value.code == "verification_unavailable"
