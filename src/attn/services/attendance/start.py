"""Starting an attendance, and the live ones a teacher (or an admin) is running.

One live attendance per teacher (``settings.one_live_attendance_per_teacher``) means: no two
of a teacher's attendances that are neither finished nor deleted have overlapping windows.
A teacher may still schedule next week's lesson while today's is open, and start a new one
once the last one is past its end, even before the persistence job has stored it.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from attn.config import Settings
from attn.db.redis_client import RedisClient
from attn.db.sql.course_rows import CourseRow
from attn.errors import (
    Busy,
    FaceUnavailable,
    InvalidChecks,
    InvalidInput,
    InvalidWindow,
    LiveAttendanceExists,
)
from attn.models import CheckSettings, LessonRedis, Role, UserRedis
from attn.models.api_attendances import AttendanceOut, StartAttendanceIn
from attn.models.types import format_utc
from attn.services.attendance.rules import lesson_state
from attn.services.attendance.views import lesson_out
from attn.services.audit import live_audit
from attn.services.courses import live_roster
from attn.services.outcomes import translated
from attn.services.security import codes, network

MAX_SCHEDULE_AHEAD = timedelta(days=14)
"""How far ahead an attendance may be scheduled: it waits in Redis until its end."""

START_LOCK_TTL_MS = 5_000
"""Frees the per-teacher start lock if its holder dies; the work under it is ~3 round trips."""

START_LOCK_WAIT_S = 3.0
START_LOCK_POLL_S = 0.02


async def start_attendance(
    redis: RedisClient,
    settings: Settings,
    teacher: UserRedis,
    body: StartAttendanceIn,
    now: datetime,
    *,
    client_ip: str | None = None,
    face_available: bool = False,
    course: CourseRow | None = None,
    sessions: async_sessionmaker[AsyncSession] | None = None,
) -> AttendanceOut:
    """Create a live attendance, due for persistence at its end.

    ``client_ip`` (the teacher's address) is the default allowed network of the
    ``network`` check; ``face_available`` says whether a face verification service is
    configured, without which the ``face`` check is refused. ``course`` is the course of
    ``body.course_id``, already checked to be the teacher's
    (:func:`attn.services.courses.access.course_to_teach`); its roster is read through
    ``sessions`` and copied to Redis with the lesson (only its students may check in).
    """
    checks = _checks(settings, body.checks, client_ip, face_available)
    lesson = _new_lesson(settings, teacher, body, checks, now, course)
    entry = live_audit(teacher, "attendance_started", lesson.attendance_id,
                       _started(lesson, course), at=now)  # fmt: skip
    roster = await _roster(sessions, course)
    with translated():
        if settings.one_live_attendance_per_teacher:
            async with _start_lock(redis, teacher.user_number):
                await _refuse_overlap(redis, lesson)
                await redis.create_lesson(lesson, due_at=lesson.ends_at, audit=entry,
                                          roster=roster)  # fmt: skip
        else:
            await redis.create_lesson(lesson, due_at=lesson.ends_at, audit=entry, roster=roster)
        if checks.code:
            await codes.ensure_secret(redis, lesson.attendance_id)
    if sessions is not None and roster is not None:
        await live_roster.recheck_roster(redis, sessions, lesson, roster)
    return lesson_out(lesson, now)


async def _roster(
    sessions: async_sessionmaker[AsyncSession] | None, course: CourseRow | None
) -> dict[str, str] | None:
    """The course's roster for its lesson's copy (None for an ad-hoc attendance)."""
    if course is None:
        return None
    if sessions is None:
        raise ValueError("a course's attendance needs the database for its roster")
    return await live_roster.load_roster(sessions, course.course_id)


def _started(lesson: LessonRedis, course: CourseRow | None) -> dict[str, str]:
    """The start's audit details (with the course's id and code for a course's lesson)."""
    details = {
        "lesson_name": lesson.lesson_name,
        "starts_at": format_utc(lesson.starts_at),
        "ends_at": format_utc(lesson.ends_at),
    }
    if course is not None:
        details |= {"course_id": str(course.course_id), "code": course.code}
    return details


def _new_lesson(
    settings: Settings,
    teacher: UserRedis,
    body: StartAttendanceIn,
    checks: CheckSettings,
    now: datetime,
    course: CourseRow | None,
) -> LessonRedis:
    starts_at, ends_at = _window(settings, body, now)
    lesson_name = body.lesson_name or (course.name if course else None)
    if lesson_name is None:  # the model requires one without a course
        raise InvalidInput("give lesson_name or course_id")
    return LessonRedis(
        attendance_id=uuid.uuid4(),
        lesson_name=lesson_name,
        course_id=course.course_id if course else None,
        teacher_number=teacher.user_number,
        teacher_full_name=teacher.full_name,
        starts_at=starts_at,
        ends_at=ends_at,
        late_after_minutes=body.late_after_minutes,
        checks=checks,
        created_at=now,
    )


async def active_attendances(
    redis: RedisClient, user: UserRedis, now: datetime
) -> list[AttendanceOut]:
    """The teacher's scheduled and open attendances (an admin's: everyone's), by start."""
    if user.role is Role.ADMIN:
        lessons = await redis.live_lessons()
    else:
        lessons = await redis.teacher_lessons(user.user_number)
    return [
        lesson_out(lesson, now)
        for lesson in lessons
        if lesson_state(lesson, now) in ("scheduled", "open")
    ]


def _window(
    settings: Settings, body: StartAttendanceIn, now: datetime
) -> tuple[datetime, datetime]:
    """The checked ``(starts_at, ends_at)``; every refusal is a 422 naming the field."""
    maximum = settings.max_attendance_minutes
    starts_at = body.starts_at or now
    if starts_at > now + MAX_SCHEDULE_AHEAD:  # first: a far start would overflow below
        raise _invalid("starts_at", f"may be at most {MAX_SCHEDULE_AHEAD.days} days ahead")
    if body.duration_minutes is not None:
        if body.duration_minutes > maximum:
            raise _invalid("duration_minutes", f"must be at most {maximum} minutes")
        ends_at = starts_at + timedelta(minutes=body.duration_minutes)
    else:
        assert body.ends_at is not None  # the schema requires one of the two
        ends_at = body.ends_at
    if ends_at <= starts_at:
        raise _invalid("ends_at", "must be after starts_at")
    if ends_at - starts_at > timedelta(minutes=maximum):
        raise _invalid("ends_at", f"the attendance may last at most {maximum} minutes")
    if ends_at <= now:
        raise _invalid("ends_at", "must be in the future")
    return starts_at, ends_at


def _checks(
    settings: Settings,
    requested: CheckSettings | None,
    client_ip: str | None,
    face_available: bool,
) -> CheckSettings:
    """The attendance's checks: the teacher's choice, else the installation's defaults.

    The ``network`` check without ranges allows the teacher's own address; ranges without
    the check are refused rather than silently ignored.
    """
    if requested is None:  # `{}` is a choice too: no check at all
        requested = CheckSettings(**dict.fromkeys(settings.default_checks, True))
    checks = requested
    if checks.face and not face_available:
        raise FaceUnavailable(
            "face verification is not available on this server (no verification service "
            "is configured); start the attendance without the face check",
            details={"field": "checks.face"},
        )
    if checks.allowed_networks and not checks.network:
        raise InvalidChecks(
            "allowed_networks needs the network check on",
            details={"field": "checks.allowed_networks"},
        )
    if checks.network and not checks.allowed_networks:
        allowed = network.default_networks(client_ip or "")
        checks = CheckSettings.model_validate({**checks.model_dump(), "allowed_networks": allowed})
    return checks


def _invalid(field: str, problem: str) -> InvalidInput:
    return InvalidWindow(f"{field} {problem}", details={"field": field})


async def _refuse_overlap(redis: RedisClient, new: LessonRedis) -> None:
    for lesson in await redis.teacher_lessons(new.teacher_number):
        if lesson.finished_at is not None or lesson.deleted_at is not None:
            continue
        if lesson.starts_at < new.ends_at and new.starts_at < lesson.ends_at:
            raise LiveAttendanceExists(
                f"you already have a live attendance ({lesson.lesson_name}) in this time; "
                "finish or delete it first",
                details={"attendance_id": str(lesson.attendance_id)},
            )


@contextlib.asynccontextmanager
async def _start_lock(redis: RedisClient, teacher_number: str) -> AsyncIterator[None]:
    """Hold the teacher's start lock; a concurrent start waits for it (then sees the
    attendance the first one created) instead of failing with a vaguer error."""
    token = secrets.token_hex(16)
    deadline = time.monotonic() + START_LOCK_WAIT_S
    while not await redis.acquire_teacher_start_lock(teacher_number, token, START_LOCK_TTL_MS):
        if time.monotonic() > deadline:
            raise Busy("another start of yours is in progress; try again")
        await asyncio.sleep(START_LOCK_POLL_S)
    try:
        yield
    finally:
        await redis.release_teacher_start_lock(teacher_number, token)
