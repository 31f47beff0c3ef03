"""The QR scan: the check-in page keeps the code of the link it was opened with as a
ticket (:mod:`attn.services.security.scan_tickets`), so the login may take its time."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from attn.config import Settings
from attn.db.redis_client import RedisClient
from attn.errors import InvalidInput
from attn.services.attendance.classroom import code_not_enabled
from attn.services.checkin.refusals import refuse_unless_open, stored_or_unknown
from attn.services.security import rate_limit, scan_tickets
from attn.services.security.codes import normalize_code
from attn.services.security.devices import validate_device_id

SCAN_ADDRESS = "scan_address"
"""Scans per client address (``settings.rate_limit_per_address_per_minute``): they store
something without a login, so they are counted, every one."""


async def scan(
    redis: RedisClient,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    attendance_id: UUID,
    code: str,
    device_id: str | None,
    client_ip: str,
    now: datetime,
) -> scan_tickets.IssuedTicket:
    """A ticket for the code of a scan, of an open attendance with the code check.

    No login is needed (the page asks before the student has logged in) and the code is
    not checked here, only its shape: the check-in checks it, as of the scan. Raises 404
    ``attendance_not_found``, 409 (not open, ``code_not_enabled``), 422 (``device_id_*``,
    a code of the wrong shape) and 429 past the address's limit."""
    await rate_limit.enforce(
        redis, SCAN_ADDRESS, client_ip, settings.rate_limit_per_address_per_minute
    )
    device = validate_device_id(device_id, required=True)
    assert device is not None  # required: validate_device_id raised otherwise
    lesson = await redis.get_lesson(attendance_id)
    if lesson is None:
        raise await stored_or_unknown(sessions, attendance_id)
    refuse_unless_open(lesson, now)
    if not lesson.checks.code:
        raise code_not_enabled(attendance_id)
    normalized = normalize_code(code)
    if normalized is None:
        raise InvalidInput("code is not a check-in code", details={"field": "code"})
    return await scan_tickets.issue(redis, settings, attendance_id, normalized, device, now)
