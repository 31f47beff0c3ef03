"""The first round trip of a check-in (session, rate limits, lesson), and finding an open
attendance by its teacher's and lesson's names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from attn.config import Settings
from attn.db.redis_client import RedisClient
from attn.errors import RateLimited, SearchQueryRequired, Unauthorized
from attn.models import (
    LessonRedis,
    UserRedis,
)
from attn.models.api_attendances import (
    AttendanceSearchOut,
)
from attn.models.types import normalize_name
from attn.services.accounts import auth
from attn.services.attendance.rules import (
    lesson_state,
)
from attn.services.security import rate_limit

MAX_SEARCH_RESULTS = 50


CHECKIN_USER = "checkin_user"
"""Check-ins per student (``settings.rate_limit_checkin_per_minute``)."""


CHECKIN_ADDRESS = "checkin_address"
"""Check-ins with a refused token per client address
(``settings.rate_limit_per_address_per_minute``); valid sessions are not counted here."""


@dataclass(frozen=True)
class Admission:
    """A check-in request as far as its first round trip took it: the caller's session
    (token checked, refreshed), the lesson if the id named one, and the refusal of a rate
    limit, which the caller raises after its own checks so that 401 and 403 come first."""

    user: UserRedis
    lesson: LessonRedis | None
    over_limit: RateLimited | None


async def search_open(
    redis: RedisClient, teacher_name: str, lesson_name: str, now: datetime
) -> list[AttendanceSearchOut]:
    """Open attendances whose names contain every word of both queries, in any order
    (forgiving: case, diacritics, Turkish i, punctuation); at least one query with a word
    in it is required, so nobody lists every open attendance."""
    if not normalize_name(teacher_name) and not normalize_name(lesson_name):
        raise SearchQueryRequired(
            "give a teacher_name or a lesson_name to search for",
            details={"field": "teacher_name"},
        )
    lessons = await redis.search_lessons(teacher_name, lesson_name)
    return [
        AttendanceSearchOut(
            attendance_id=lesson.attendance_id,
            lesson_name=lesson.lesson_name,
            teacher_full_name=lesson.teacher_full_name,
            starts_at=lesson.starts_at,
            ends_at=lesson.ends_at,
        )
        for lesson in lessons
        if lesson_state(lesson, now) == "open"
    ][:MAX_SEARCH_RESULTS]


async def admit(
    redis: RedisClient,
    settings: Settings,
    token: str,
    client_ip: str,
    attendance_id: UUID | None,
    now: datetime,
) -> Admission:
    """Authenticate a check-in and count it against the student's limit, reading the
    lesson in the same round trip (the first of a check-in's two).

    The student's counter is only counted for a token that matches the stored session
    (``lua/session_hit.lua``), so nobody can use up a student's limit by sending tokens
    in their name. A refused token (401 ``invalid_token``) counts against the client
    address instead, and past ``settings.rate_limit_per_address_per_minute`` of those the
    address gets 429: valid sessions never count there, so a lecture hall behind one NAT
    address is limited per student only.
    """
    try:
        user_number, secret = auth.parse_token(token)
        token_hash = auth.hash_secret(secret)
        preflight = await redis.check_in_preflight(
            (user_number, token_hash, CHECKIN_USER), rate_limit.WINDOW_S, attendance_id
        )
        user = await auth.accept_session(redis, settings, preflight.session, token_hash, now)
    except Unauthorized:
        await rate_limit.enforce(
            redis, CHECKIN_ADDRESS, client_ip, settings.rate_limit_per_address_per_minute
        )
        raise
    limits = [(CHECKIN_USER, user_number, settings.rate_limit_checkin_per_minute)]
    refusal = rate_limit.over_limit(limits, [preflight.user_count], preflight.reset_in)
    return Admission(user=user, lesson=preflight.lesson, over_limit=refusal)
