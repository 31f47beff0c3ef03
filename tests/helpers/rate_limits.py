"""Waiting out the edge of a rate-limit window, for tests that send a burst."""

from __future__ import annotations

import asyncio
import time

from attn.services.security import rate_limit


async def away_from_window_edge() -> None:
    """Rate limits count in fixed minutes: start a burst where it cannot straddle two."""
    into_window = time.time() % rate_limit.WINDOW_S
    if into_window > rate_limit.WINDOW_S - 10:
        await asyncio.sleep(rate_limit.WINDOW_S - into_window + 0.1)
