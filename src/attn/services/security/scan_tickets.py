"""QR scan tickets: the code a scan carried stays usable through the login step
(docs/security.md#scan-tickets).

The QR code's link carries the code of one time step (15 s by default). A student who must
log in first can take longer than that plus the grace period, so the check-in page sends
the code as soon as it opens (``POST /attendances/{id}/scan``, with its device id) and gets
a ticket: the server keeps the code and the instant it saw it. The check-in then sends the
ticket instead of the code, and the code is checked as it would have been at the scan: the
same check and the same wrong-code limit of the student, only at the scan's instant.

Why it does not let a friend at home in:

- the link is forwarded, never the ticket (the page keeps it), and opening the link later
  is a later scan, at which the code has expired;
- a ticket is single use (taken with GETDEL), bound to the attendance (its key), to the
  device id sent at the scan, and usable only ``ATTN_SCAN_TICKET_SECONDS`` after the scan;
- the scan checks no code, so it is no oracle for guessing: wrong codes count against the
  student at the check-in, as typed ones do. A ticket itself is 256 random bits.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from hashlib import sha256
from uuid import UUID

from attn.config import Settings
from attn.db.redis.scan_tickets import ScanRedis
from attn.db.redis_client import RedisClient
from attn.models import LessonRedis
from attn.services.security import codes

TICKET_BYTES = 32


@dataclass(frozen=True)
class IssuedTicket:
    ticket: str
    expires_at: datetime


def ticket_hash(ticket: str) -> str:
    """What Redis knows of a ticket: a copy of the keyspace holds no usable ticket."""
    return sha256(ticket.encode()).hexdigest()


async def issue(
    redis: RedisClient,
    settings: Settings,
    attendance_id: UUID,
    code: str,
    device_id: str,
    now: datetime,
) -> IssuedTicket:
    """Keep the scan (``code`` seen at ``now`` on ``device_id``) under a new ticket."""
    ticket = secrets.token_urlsafe(TICKET_BYTES)
    lifetime = settings.scan_ticket_seconds
    scan = ScanRedis(code=code, scanned_at=now, device_id=device_id)
    await redis.save_scan(attendance_id, ticket_hash(ticket), scan, lifetime)
    return IssuedTicket(ticket=ticket, expires_at=now + timedelta(seconds=lifetime))


async def check_ticket(
    redis: RedisClient,
    settings: Settings,
    lesson: LessonRedis,
    student_number: str,
    ticket: str,
    device_id: str | None,
    now: datetime,
) -> str | None:
    """The ``code`` check by a scan ticket: None when it passes, else ``code_invalid``
    (unknown, used, expired, another device's or another attendance's ticket, or a code
    that was not valid at the scan). Raises RateLimited ``too_many_wrong_codes`` as the
    typed code's check does."""
    aid = lesson.attendance_id
    scan = await redis.take_scan(aid, ticket_hash(ticket))
    if scan is None or device_id is None:
        return codes.CODE_INVALID
    if not hmac.compare_digest(scan.device_id.encode(), device_id.encode()):
        return codes.CODE_INVALID
    age = now - scan.scanned_at
    if age < timedelta(0) or age > timedelta(seconds=settings.scan_ticket_seconds):
        return codes.CODE_INVALID
    return await codes.check_code(redis, settings, aid, student_number, scan.code, scan.scanned_at)
