"""The face check's outgoing half: photo validation and the signed request to the outside
service (a real HTTP server on loopback, see tests/fixtures/verification_service.py)."""

from __future__ import annotations

import hashlib
import hmac
import io
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from pydantic import SecretStr
from starlette.datastructures import UploadFile

from attn.clock import FrozenClock
from attn.config import Environment, Settings
from attn.db import keys
from attn.db.redis_client import RedisClient
from attn.db.redis_connection import AnyRedis
from attn.errors import InvalidInput, ServiceUnavailable
from attn.services.security.face import (
    CALLBACK_PATH,
    FaceVerifier,
    face_request_ttl,
    read_photo,
    signature,
    signed_headers,
    validate_photo,
)
from tests.fixtures.verification_service import SERVICE_SECRET, FakeVerificationService

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
GIF = b"GIF89a" + b"\x00" * 64
AID = UUID("3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f")
NOW = datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC)


def face_settings(url: str | None, secret: str | None = SERVICE_SECRET, **more: Any) -> Settings:
    return Settings(
        environment=Environment.TEST,
        face_service_url=url,
        face_service_secret=None if secret is None else SecretStr(secret),
        public_base_url="http://127.0.0.1:8000/",
        face_photo_max_bytes=2048,
        **more,
    )


@pytest.fixture
async def verifier(
    verification_service: FakeVerificationService, redis_client: RedisClient
) -> AsyncIterator[FaceVerifier]:
    async with FaceVerifier(
        face_settings(verification_service.url), redis_client, clock=FrozenClock(NOW)
    ) as made:
        yield made


class TestPhotoValidation:
    @pytest.mark.parametrize(
        ("photo", "declared", "expected"),
        [
            (JPEG, "image/jpeg", "image/jpeg"),
            (PNG, "image/png", "image/png"),
            (JPEG, "IMAGE/JPEG; name=x.jpg", "image/jpeg"),
        ],
    )
    def test_accepted(self, photo: bytes, declared: str, expected: str) -> None:
        assert validate_photo(photo, declared, 2048) == expected

    @pytest.mark.parametrize(
        ("photo", "declared"),
        [
            (GIF, "image/gif"),
            (PNG, "image/jpeg"),  # the header lies
            (JPEG, "image/png"),
            (b"<svg onload=alert(1)>", "image/png"),
            (b"", "image/jpeg"),
            (JPEG, None),
            (JPEG, "application/octet-stream"),
        ],
    )
    def test_wrong_type(self, photo: bytes, declared: str | None) -> None:
        with pytest.raises(InvalidInput) as info:
            validate_photo(photo, declared, 2048)
        assert info.value.code == "photo_type"

    def test_too_large(self) -> None:
        with pytest.raises(InvalidInput) as info:
            validate_photo(JPEG + b"\x00" * 2048, "image/jpeg", 2048)
        assert info.value.code == "photo_too_large"
        assert info.value.details == {"max_bytes": 2048}

    async def test_read_photo_stops_at_the_limit(self) -> None:
        upload = UploadFile(io.BytesIO(JPEG))
        assert await read_photo(upload, 2048) == JPEG
        big = UploadFile(io.BytesIO(b"\xff" * 5000))
        with pytest.raises(InvalidInput) as info:
            await read_photo(big, 2048)
        assert info.value.code == "photo_too_large"


class TestSignatures:
    def test_scheme(self) -> None:
        body = b'{"a":1}'
        mac = hmac.new(b"k", b"1700000000." + body, hashlib.sha256).hexdigest()
        assert signature("k", 1700000000, body) == f"sha256={mac}"
        assert signature(b"k", "1700000000", body) == f"sha256={mac}"

    def test_signed_headers(self) -> None:
        headers = signed_headers("k", b"x", NOW)
        assert headers["X-Attn-Timestamp"] == str(int(NOW.timestamp()))
        assert headers["X-Attn-Signature"] == signature("k", int(NOW.timestamp()), b"x")


class TestSubmit:
    async def test_sends_a_signed_multipart_request(
        self,
        verifier: FaceVerifier,
        verification_service: FakeVerificationService,
        redis_client: RedisClient,
    ) -> None:
        callback_id = await verifier.submit(AID, "S2001", JPEG, "image/jpeg")
        [got] = verification_service.received
        assert got.signature_valid
        assert got.headers["x-attn-timestamp"] == str(int(NOW.timestamp()))
        assert got.fields == {
            "attendance_id": str(AID),
            "student_number": "S2001",
            "callback_url": "http://127.0.0.1:8000" + CALLBACK_PATH,
            "callback_id": callback_id,
        }
        assert (got.photo, got.photo_type, got.photo_filename) == (JPEG, "image/jpeg", "photo.jpg")
        request = await redis_client.get_face_request(callback_id)
        assert request is not None
        assert (request.attendance_id, request.student_number) == (AID, "S2001")
        assert request.submitted_at == NOW

    async def test_the_service_can_tell_a_wrong_secret(
        self, redis_client: RedisClient, verification_service: FakeVerificationService
    ) -> None:
        async with FaceVerifier(
            face_settings(verification_service.url, secret="not-the-shared-one"), redis_client
        ) as verifier:
            await verifier.submit(AID, "S2001", PNG, "image/png")
        [got] = verification_service.received
        assert not got.signature_valid
        assert got.photo_filename == "photo.png"

    async def test_callback_ids_are_unique(
        self, verifier: FaceVerifier, verification_service: FakeVerificationService
    ) -> None:
        ids = {await verifier.submit(AID, "S2001", JPEG, "image/jpeg") for _ in range(5)}
        assert len(ids) == 5
        assert all(16 <= len(callback_id) <= 64 for callback_id in ids)

    async def test_request_waits_long_enough_for_a_late_callback(
        self, verifier: FaceVerifier, redis: AnyRedis
    ) -> None:
        callback_id = await verifier.submit(AID, "S2001", JPEG, "image/jpeg")
        ttl = await redis.ttl(keys.face_request(callback_id))
        settings = face_settings("http://unused")
        assert face_request_ttl(settings) - 5 <= ttl <= face_request_ttl(settings)
        assert ttl > settings.max_attendance_minutes * 60 + settings.face_late_callback_seconds

    async def test_bad_photo_is_refused_before_anything_is_sent(
        self, verifier: FaceVerifier, verification_service: FakeVerificationService
    ) -> None:
        with pytest.raises(InvalidInput) as info:
            await verifier.submit(AID, "S2001", GIF, "image/jpeg")
        assert info.value.code == "photo_type"
        assert verification_service.received == []


class TestServiceFailures:
    async def assert_unavailable(self, verifier: FaceVerifier, redis: AnyRedis) -> None:
        with pytest.raises(ServiceUnavailable) as info:
            await verifier.submit(AID, "S2001", JPEG, "image/jpeg")
        assert info.value.code == "verification_unavailable"
        assert info.value.status == 503
        assert await redis.keys("attn:face:*") == []  # nothing left waiting

    async def test_connection_refused(
        self, redis_client: RedisClient, redis: AnyRedis, unused_loopback_url: str
    ) -> None:
        async with FaceVerifier(face_settings(unused_loopback_url), redis_client) as verifier:
            await self.assert_unavailable(verifier, redis)

    @pytest.mark.parametrize("status", [500, 503, 400, 302])
    async def test_error_answer(
        self,
        redis_client: RedisClient,
        redis: AnyRedis,
        verification_service: FakeVerificationService,
        status: int,
    ) -> None:
        verification_service.status = status
        async with FaceVerifier(face_settings(verification_service.url), redis_client) as verifier:
            await self.assert_unavailable(verifier, redis)
        assert len(verification_service.received) == 1

    async def test_timeout_is_short(
        self,
        redis_client: RedisClient,
        redis: AnyRedis,
        verification_service: FakeVerificationService,
    ) -> None:
        verification_service.delay_s = 5
        started = time.monotonic()
        async with FaceVerifier(
            face_settings(verification_service.url), redis_client, timeout_s=0.3
        ) as verifier:
            await self.assert_unavailable(verifier, redis)
        assert time.monotonic() - started < 3

    @pytest.mark.parametrize(("url", "secret"), [(None, SERVICE_SECRET), ("http://x", None)])
    async def test_not_configured(
        self, redis_client: RedisClient, redis: AnyRedis, url: str | None, secret: str | None
    ) -> None:
        async with FaceVerifier(face_settings(url, secret), redis_client) as verifier:
            assert not verifier.configured
            await self.assert_unavailable(verifier, redis)
