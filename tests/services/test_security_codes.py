"""Rotating check-in codes: generation, the grace window, the secret in Redis, wrong-code
limits, the check-in link and its QR code. Time comes from a FrozenClock: no sleeps."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from attn.config import Environment, Settings
from attn.db import keys
from attn.db.redis_client import RedisClient
from attn.db.redis_connection import AnyRedis
from attn.errors import NotFound, RateLimited
from attn.services.security.codes import (
    ALPHABET,
    CODE_INVALID,
    CODE_LENGTH,
    FrozenClock,
    check_code,
    checkin_url,
    code_display,
    code_for_step,
    current_code,
    ensure_secret,
    new_secret,
    normalize_code,
    qr_svg,
    verify_code,
)
from tests.helpers.factories import make_lesson
from tests.helpers.outcomes import refused_as
from tests.helpers.rate_limits import away_from_window_edge

STEP = 15
GRACE = 10
SECRET = bytes(range(32))
# A step boundary: 2026-03-02T09:00:00Z is a multiple of 15 s since the epoch.
BOUNDARY = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(BOUNDARY)


def settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": Environment.TEST,
        "code_step_seconds": STEP,
        "code_grace_seconds": GRACE,
        "code_attempts_per_minute": 3,
        **overrides,
    }
    return Settings.model_validate(values)


class TestCodes:
    def test_codes_use_only_the_alphabet(self, clock: FrozenClock) -> None:
        for _ in range(200):
            code, _remaining = current_code(SECRET, clock.now(), STEP)
            assert len(code) == CODE_LENGTH
            assert set(code) <= set(ALPHABET)
            clock.advance(STEP)

    def test_alphabet_has_no_look_alikes(self) -> None:
        assert not set("0O1IL") & set(ALPHABET)
        assert len(ALPHABET) == len(set(ALPHABET)) == 31

    def test_same_step_same_code(self, clock: FrozenClock) -> None:
        first, remaining = current_code(SECRET, clock.now(), STEP)
        assert remaining == STEP
        clock.advance(STEP - 0.001)
        again, remaining = current_code(SECRET, clock.now(), STEP)
        assert again == first
        assert remaining == pytest.approx(0.001, abs=1e-5)

    def test_code_changes_every_step(self, clock: FrozenClock) -> None:
        codes = []
        for _ in range(50):
            codes.append(current_code(SECRET, clock.now(), STEP)[0])
            clock.advance(STEP)
        assert all(a != b for a, b in itertools.pairwise(codes))
        assert len(set(codes)) == len(codes)

    def test_different_secrets_give_different_codes(self, clock: FrozenClock) -> None:
        codes = {current_code(new_secret(), clock.now(), STEP)[0] for _ in range(50)}
        assert len(codes) == 50

    def test_step_counter_is_the_hmac_message(self) -> None:
        assert code_for_step(SECRET, 7) == code_for_step(SECRET, 7)
        assert code_for_step(SECRET, 7) != code_for_step(SECRET, 8)

    def test_known_vector(self) -> None:
        """Pins the algorithm: changing it would invalidate codes on screens mid-lecture."""
        counter = int(BOUNDARY.timestamp()) // STEP
        digest = hmac.new(SECRET, counter.to_bytes(8, "big"), hashlib.sha256).digest()
        value = int.from_bytes(digest[:8], "big")
        expected = ""
        for _ in range(6):
            value, index = divmod(value, 31)
            expected += ALPHABET[index]
        assert current_code(SECRET, BOUNDARY, STEP)[0] == expected


class TestVerifyCode:
    def test_current_code_is_accepted(self, clock: FrozenClock) -> None:
        clock.advance(7)
        code, _ = current_code(SECRET, clock.now(), STEP)
        assert verify_code(SECRET, code, clock.now(), STEP, GRACE)

    @pytest.mark.parametrize("typed", ["{c}", "{c_lower}", "  {c}\n", " {c_split} "])
    def test_case_and_whitespace_do_not_matter(self, clock: FrozenClock, typed: str) -> None:
        code, _ = current_code(SECRET, clock.now(), STEP)
        submitted = typed.format(c=code, c_lower=code.lower(), c_split=f"{code[:3]} {code[3:]}")
        assert verify_code(SECRET, submitted, clock.now(), STEP, GRACE)

    def test_previous_code_works_inside_the_grace_window(self, clock: FrozenClock) -> None:
        old, _ = current_code(SECRET, clock.now(), STEP)
        clock.advance(STEP + GRACE - 0.5)  # 9.5 s after the change
        assert current_code(SECRET, clock.now(), STEP)[0] != old
        assert verify_code(SECRET, old, clock.now(), STEP, GRACE)

    def test_previous_code_fails_after_the_grace_window(self, clock: FrozenClock) -> None:
        old, _ = current_code(SECRET, clock.now(), STEP)
        clock.advance(STEP + GRACE)  # exactly grace seconds after the change
        assert not verify_code(SECRET, old, clock.now(), STEP, GRACE)

    def test_zero_grace_accepts_only_the_current_code(self, clock: FrozenClock) -> None:
        old, _ = current_code(SECRET, clock.now(), STEP)
        clock.advance(STEP)
        assert not verify_code(SECRET, old, clock.now(), STEP, 0)

    def test_stale_code_two_steps_back_fails(self, clock: FrozenClock) -> None:
        stale, _ = current_code(SECRET, clock.now(), STEP)
        clock.advance(2 * STEP + 1)
        assert not verify_code(SECRET, stale, clock.now(), STEP, GRACE)

    def test_next_code_is_not_accepted(self, clock: FrozenClock) -> None:
        upcoming, _ = current_code(SECRET, clock.advance(STEP), STEP)
        clock.advance(-STEP)
        assert not verify_code(SECRET, upcoming, clock.now(), STEP, GRACE)

    def test_wrong_code_fails(self, clock: FrozenClock) -> None:
        code, _ = current_code(SECRET, clock.now(), STEP)
        wrong = ("2" if code[0] != "2" else "3") + code[1:]
        assert not verify_code(SECRET, wrong, clock.now(), STEP, GRACE)

    def test_another_attendances_code_fails(self, clock: FrozenClock) -> None:
        other, _ = current_code(new_secret(), clock.now(), STEP)
        assert not verify_code(SECRET, other, clock.now(), STEP, GRACE)

    @pytest.mark.parametrize(
        "malformed",
        [
            "",
            "   ",
            "ABC",
            "ABCDEFG",
            "ABCD0O",
            "ABCD1I",
            "ABCDEL",
            "ÄBCDEF",
            "ABC-DE",
            "🙂🙂🙂🙂🙂🙂",
        ],
    )
    def test_malformed_codes_fail(self, clock: FrozenClock, malformed: str) -> None:
        assert normalize_code(malformed) is None
        assert not verify_code(SECRET, malformed, clock.now(), STEP, GRACE)


class TestSecret:
    async def test_created_once_and_kept(self, redis_client: RedisClient, redis: AnyRedis) -> None:
        lesson = make_lesson()
        await redis_client.create_lesson(lesson, due_at=lesson.ends_at)
        first = await ensure_secret(redis_client, lesson.attendance_id)
        again = await ensure_secret(redis_client, lesson.attendance_id)
        assert first == again
        assert len(first) == 32
        assert await redis.get(keys.secret(lesson.attendance_id)) == first.hex()

    async def test_attendances_get_different_secrets(self, redis_client: RedisClient) -> None:
        secrets = set()
        for _ in range(3):
            lesson = make_lesson()
            await redis_client.create_lesson(lesson, due_at=lesson.ends_at)
            secrets.add(await ensure_secret(redis_client, lesson.attendance_id))
        assert len(secrets) == 3

    async def test_no_secret_without_a_live_lesson(
        self, redis_client: RedisClient, redis: AnyRedis
    ) -> None:
        aid = uuid4()
        with refused_as(NotFound) as info:
            await ensure_secret(redis_client, aid)
        assert info.value.code == "attendance_not_live"
        assert not await redis.exists(keys.secret(aid))

    async def test_persistence_removes_it(self) -> None:
        aid = uuid4()
        assert keys.secret(aid) in keys.attendance_keys(aid)


class TestCheckCode:
    async def test_right_code_passes_wrong_code_fails(
        self, redis_client: RedisClient, clock: FrozenClock
    ) -> None:
        lesson = make_lesson()
        await redis_client.create_lesson(lesson, due_at=lesson.ends_at)
        aid = lesson.attendance_id
        secret = await ensure_secret(redis_client, aid)
        code, _ = current_code(secret, clock.now(), STEP)
        config = settings()
        assert await check_code(redis_client, config, aid, "S1", code, clock.now()) is None
        assert await check_code(redis_client, config, aid, "S1", "XXXXXX", clock.now()) == (
            CODE_INVALID
        )
        assert await check_code(redis_client, config, aid, "S1", None, clock.now()) == (
            CODE_INVALID
        )

    async def test_wrong_codes_are_limited_per_student(
        self, redis_client: RedisClient, clock: FrozenClock
    ) -> None:
        lesson = make_lesson()
        await redis_client.create_lesson(lesson, due_at=lesson.ends_at)
        aid = lesson.attendance_id
        config = settings(code_attempts_per_minute=3)
        for _ in range(3):
            assert await check_code(redis_client, config, aid, "S1", "XXXXXX", clock.now())
        right, _ = current_code(await ensure_secret(redis_client, aid), clock.now(), STEP)
        with pytest.raises(RateLimited) as info:  # even the right code: guessing must stop
            await check_code(redis_client, config, aid, "S1", right, clock.now())
        assert info.value.code == "too_many_wrong_codes"
        assert 1 <= info.value.retry_after <= 60
        # Another student is not affected, and right codes do not count.
        for _ in range(5):
            assert await check_code(redis_client, config, aid, "S2", right, clock.now()) is None

    async def test_concurrent_wrong_codes_are_checked_no_more_than_the_limit(
        self, redis_client: RedisClient, clock: FrozenClock
    ) -> None:
        """Counting and checking are one atomic step: 40 wrong codes at once, limit 10 ->
        exactly 10 checked (``code_invalid``), the other 30 refused before being looked at."""
        lesson = make_lesson()
        await redis_client.create_lesson(lesson, due_at=lesson.ends_at)
        aid = lesson.attendance_id
        await ensure_secret(redis_client, aid)
        config = settings(code_attempts_per_minute=10)
        await away_from_window_edge()

        async def attempt() -> str:
            try:
                result = await check_code(redis_client, config, aid, "S1", "XXXXXX", clock.now())
            except RateLimited as refused:
                return refused.code
            assert result == CODE_INVALID
            return "checked"

        outcomes = await asyncio.gather(*(attempt() for _ in range(40)))
        assert outcomes.count("checked") == 10
        assert outcomes.count("too_many_wrong_codes") == 30


class TestTeacherDisplay:
    def test_checkin_url(self) -> None:
        aid = uuid4()
        assert checkin_url("https://attn.example.edu/", aid, "AB23CD") == (
            f"https://attn.example.edu/check-in/{aid}?code=AB23CD"
        )

    def test_qr_svg_is_a_standalone_svg(self) -> None:
        svg = qr_svg("https://attn.example.edu/check-in/x?code=AB23CD")
        assert svg.startswith("<svg")
        assert 'xmlns="http://www.w3.org/2000/svg"' in svg
        assert "<path" in svg
        assert svg.rstrip().endswith("</svg>")

    async def test_code_display(self, redis_client: RedisClient, clock: FrozenClock) -> None:
        lesson = make_lesson()
        await redis_client.create_lesson(lesson, due_at=lesson.ends_at)
        clock.advance(5)
        config = settings(public_base_url="http://127.0.0.1:8000")
        shown = await code_display(redis_client, config, lesson.attendance_id, clock.now())
        secret = await ensure_secret(redis_client, lesson.attendance_id)
        assert shown.code == current_code(secret, clock.now(), STEP)[0]
        assert shown.seconds_until_change == pytest.approx(10)
        assert shown.step_seconds == STEP
        assert shown.url.endswith(f"/check-in/{lesson.attendance_id}?code={shown.code}")
        assert shown.qr_svg.startswith("<svg")
        assert verify_code(secret, shown.code, clock.now(), STEP, GRACE)
