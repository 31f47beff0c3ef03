"""Rate-limit counters on a real Redis: per scope and subject, 429 data when exceeded."""

from __future__ import annotations

import pytest

from attn.db.redis_client import RedisClient
from attn.errors import RateLimited
from attn.services.security import rate_limit
from tests.helpers.rate_limits import away_from_window_edge


class TestEnforce:
    async def test_allows_the_limit_then_refuses_with_retry_after(
        self, redis_client: RedisClient
    ) -> None:
        await away_from_window_edge()
        for _ in range(3):
            await rate_limit.enforce(redis_client, rate_limit.LOGIN_USER, "S1", 3)
        with pytest.raises(RateLimited) as refused:
            await rate_limit.enforce(redis_client, rate_limit.LOGIN_USER, "S1", 3)
        assert 1 <= refused.value.retry_after <= rate_limit.WINDOW_S
        assert refused.value.status == 429
        assert refused.value.details == {"retry_after": refused.value.retry_after}

    async def test_subjects_and_scopes_count_apart(self, redis_client: RedisClient) -> None:
        await away_from_window_edge()
        await rate_limit.enforce(redis_client, rate_limit.LOGIN_USER, "S1", 1)
        await rate_limit.enforce(redis_client, rate_limit.LOGIN_USER, "S2", 1)
        await rate_limit.enforce(redis_client, rate_limit.LOGIN_ADDRESS, "S1", 1)
        with pytest.raises(RateLimited):
            await rate_limit.enforce(redis_client, rate_limit.LOGIN_USER, "S1", 1)

    async def test_refused_requests_keep_counting(self, redis_client: RedisClient) -> None:
        await away_from_window_edge()
        await rate_limit.enforce(redis_client, rate_limit.LOGIN_USER, "S1", 1)
        for _ in range(3):
            with pytest.raises(RateLimited):
                await rate_limit.enforce(redis_client, rate_limit.LOGIN_USER, "S1", 1)
        count, _ = await redis_client.hit_rate_limit(rate_limit.LOGIN_USER, "S1", 60)
        assert count == 5

    async def test_counters_expire_with_their_window(self, redis_client: RedisClient) -> None:
        await rate_limit.enforce(redis_client, rate_limit.LOGIN_USER, "S1", 5)
        ttls = [await redis_client.redis.ttl(key) async for key in redis_client.redis.scan_iter()]
        assert ttls
        assert all(0 < ttl <= rate_limit.WINDOW_S + 1 for ttl in ttls)


class TestTake:
    """Limits on failures: counted before the check, atomically, given back on success."""

    async def test_a_refusal_counts_against_no_limit(self, redis_client: RedisClient) -> None:
        await away_from_window_edge()
        limits = [(rate_limit.LOGIN_ADDRESS, "10.0.0.1", 5), (rate_limit.LOGIN_USER, "S1", 1)]
        await rate_limit.take(redis_client, limits)
        for _ in range(3):
            with pytest.raises(RateLimited) as refused:
                await rate_limit.take(redis_client, limits)
            assert rate_limit.LOGIN_USER in refused.value.message
        others = [(rate_limit.LOGIN_ADDRESS, "10.0.0.1", 2)]
        await rate_limit.take(redis_client, others)  # the address holds 2: the refused gave back
        with pytest.raises(RateLimited):
            await rate_limit.take(redis_client, others)

    async def test_given_back_attempts_leave_room(self, redis_client: RedisClient) -> None:
        await away_from_window_edge()
        limits = [(rate_limit.LOGIN_USER, "S1", 2)]
        for _ in range(5):
            await redis_client.give_back_rate_limits(await rate_limit.take(redis_client, limits))
        assert [key async for key in redis_client.redis.scan_iter()] == []

    async def test_giving_back_after_the_window_ended_leaves_nothing_behind(
        self, redis_client: RedisClient
    ) -> None:
        ticket = await rate_limit.take(redis_client, [(rate_limit.LOGIN_USER, "S1", 2)])
        await redis_client.redis.delete(*ticket.counters)  # as if the window had expired
        await redis_client.give_back_rate_limits(ticket)
        assert [key async for key in redis_client.redis.scan_iter()] == []
