"""The student's side: find an open attendance, check in, see one's own records.

Check-in is one atomic Redis script (``RedisClient.check_in``): it refuses an attendance
that is not open, never duplicates a record and never overwrites a teacher's decision. A
repeated check-in returns the record already there, so a student tapping twice on a slow
network is harmless. The attendance's security checks (DESIGN §6) run first
(:mod:`attn.services.security.checkin_checks`); a failed one is stored as a rejected
attempt that the student's next correct attempt replaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from attn.config import Settings
from attn.db.redis_client import CheckInResult, RedisClient
from attn.db.sql import repository
from attn.db.sql.rows import AttendanceRow, RecordRow
from attn.errors import (
    AttendanceDeleted,
    AttendanceEnded,
    AttendanceFinished,
    AttendanceNotOpen,
    AttendanceNotStarted,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthorized,
)
from attn.models import AttendanceRecordRedis, LessonRedis, RecordStatus, UserRedis
from attn.models.api_attendances import (
    AttendanceSearchOut,
    MyAttendanceItem,
    MyAttendancePage,
    PageQuery,
    RecordOut,
)
from attn.models.types import SELF, normalize_name, utcnow
from attn.services import auth, rate_limit
from attn.services.attendances import (
    attendance_not_found,
    for_student,
    is_not_live,
    lesson_out,
    lesson_state,
    record_not_found,
    record_out,
    row_out,
    row_record_out,
    self_status,
    user_names,
)
from attn.services.security.checkin_checks import CheckInAttempt, run_checks, submit_face
from attn.services.security.devices import DEVICE_REUSED
from attn.services.security.face import FaceVerifier

MAX_SEARCH_RESULTS = 50

CHECKIN_USER = "checkin_user"
"""Check-ins per student (``settings.rate_limit_checkin_per_minute``)."""
CHECKIN_ADDRESS = "checkin_address"
"""Check-ins with a refused token per client address
(``settings.rate_limit_per_address_per_minute``); valid sessions are not counted here."""

_REFUSALS: dict[str, tuple[type[AttendanceNotOpen], str]] = {
    "deleted": (AttendanceDeleted, "was deleted"),
    "finished": (AttendanceFinished, "is finished"),
    "scheduled": (AttendanceNotStarted, "has not started yet"),
    "ended": (AttendanceEnded, "has ended"),
}


@dataclass(frozen=True)
class Admission:
    """A check-in request as far as its first round trip took it: the caller's session
    (token checked, refreshed), the lesson if the id named one, and the refusal of a rate
    limit, which the caller raises after its own checks so that 401 and 403 come first."""

    user: UserRedis
    lesson: LessonRedis | None
    over_limit: RateLimited | None


@dataclass(frozen=True)
class CheckInOutcome:
    record_json: bytes
    """The record the student has now, as ``RecordOut`` JSON."""
    created: bool


async def search_open(
    redis: RedisClient, teacher_name: str, lesson_name: str, now: datetime | None = None
) -> list[AttendanceSearchOut]:
    """Open attendances whose names contain every word of both queries, in any order
    (forgiving: case, diacritics, Turkish i, punctuation); at least one query with a word
    in it is required, so nobody lists every open attendance."""
    if not normalize_name(teacher_name) and not normalize_name(lesson_name):
        raise InvalidInput(
            "give a teacher_name or a lesson_name to search for",
            code="search_query_required",
            details={"field": "teacher_name"},
        )
    now = now or utcnow()
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
        user = await auth.accept_session(redis, settings, preflight.session, token_hash)
    except Unauthorized:
        await rate_limit.enforce(
            redis, CHECKIN_ADDRESS, client_ip, settings.rate_limit_per_address_per_minute
        )
        raise
    limits = [(CHECKIN_USER, user_number, settings.rate_limit_checkin_per_minute)]
    refusal = rate_limit.over_limit(limits, [preflight.user_count], preflight.reset_in)
    return Admission(user=user, lesson=preflight.lesson, over_limit=refusal)


async def check_in(
    redis: RedisClient,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    student: UserRedis,
    attendance_id: UUID,
    attempt: CheckInAttempt,
    lesson: LessonRedis | None,
    *,
    verifier: FaceVerifier | None = None,
    now: datetime | None = None,
) -> CheckInOutcome:
    """Check the student in, or return the record already there; ``lesson`` is the one
    :func:`admit` read (None: not live), whose limits the caller has enforced.

    The record is ``present``/``late`` when every check of the attendance passes,
    ``pending`` while the face verification service decides, and ``rejected`` with the
    first failed check's ``fail_reason`` otherwise. A rejected record of the student's own
    is replaced by the next attempt (``attempt_count`` + 1); anything else (a good record,
    a pending one, a teacher's decision) is kept and returned unchanged.
    """
    now = now or utcnow()
    if lesson is None:
        raise await _not_open(sessions, attendance_id)
    _refuse_unless_open(lesson, now)
    verdict = await run_checks(redis, settings, lesson, student.user_number, attempt, now)
    status = self_status(lesson.starts_at, lesson.late_after_minutes, now)
    fail_reason = verdict.fail_reason
    callback_id: str | None = None
    if fail_reason is None and lesson.checks.face:
        existing = await redis.get_attendance_record(attendance_id, student.user_number)
        if existing is not None and not replaceable(existing):
            return CheckInOutcome(record_json=_json(existing), created=False)
        submission = await submit_face(redis, verifier, lesson, student.user_number, verdict)
        callback_id, fail_reason = submission.callback_id, submission.fail_reason
        if callback_id is not None:
            status = RecordStatus.PENDING
    if fail_reason is not None:
        status = RecordStatus.REJECTED
    record = AttendanceRecordRedis(
        attendance_id=attendance_id,
        student_number=student.user_number,
        user_full_name=student.full_name,
        status=status,
        checked_in_at=now,
        fail_reason=fail_reason,
        decided_by=SELF,
        client_ip=attempt.client_ip,
        device_id=verdict.device_id,
        updated_at=now,
    )
    result = await _store(redis, sessions, record, now, lesson.checks.device, callback_id)
    stored = result.stored_json
    return CheckInOutcome(
        record_json=stored.encode() if stored is not None else _json(result.record),
        created=result.created or result.replaced,
    )


def _json(record: AttendanceRecordRedis) -> bytes:
    """``RecordOut`` JSON of a record. A stored record's own JSON is that too, byte for
    byte (the same fields in the same order and formats), which lets :func:`check_in` send
    the JSON of a plain first check-in on as the script stored it."""
    return record_out(record).model_dump_json().encode()


def replaceable(record: AttendanceRecordRedis) -> bool:
    """A failed attempt of the student's own, which the next attempt replaces (the same
    rule as ``lua/check_in.lua``)."""
    return record.decided_by == SELF and record.status is RecordStatus.REJECTED


def _refuse_unless_open(lesson: LessonRedis, now: datetime) -> None:
    """The script refuses these too; asking first spares the checks (a wrong code counted,
    a photo sent) for an attendance that takes no check-in anyway."""
    refusal = live_refusal(lesson, now, allow_scheduled=False)
    if refusal is not None:
        raise refusal


def live_refusal(
    lesson: LessonRedis, now: datetime, *, allow_scheduled: bool
) -> AttendanceNotOpen | None:
    """Why a live attendance takes no check-in now (None while it is open, and also while
    it is scheduled if ``allow_scheduled``: a teacher may show the code early)."""
    state = lesson_state(lesson, now)
    if state == "open" or (allow_scheduled and state == "scheduled"):
        return None
    error, why = _REFUSALS[state]
    return error(f"attendance {lesson.attendance_id} {why}")


async def _store(
    redis: RedisClient,
    sessions: async_sessionmaker[AsyncSession],
    record: AttendanceRecordRedis,
    now: datetime,
    device_check: bool,
    callback_id: str | None,
) -> CheckInResult:
    """Write the record (claiming the device in the same step); a face request whose
    record was not stored as pending is withdrawn, so its callback changes nothing."""
    waiting = False
    try:
        result = await redis.check_in(
            record, now, device_taken_reason=DEVICE_REUSED if device_check else None
        )
        waiting = result.record.status is RecordStatus.PENDING and (
            result.created or result.replaced
        )
    except NotFound as error:
        if not is_not_live(error):
            raise
        raise await _not_open(sessions, record.attendance_id) from error
    finally:
        if callback_id is not None and not waiting:
            await redis.delete_face_request(callback_id)
    return result


async def _not_open(
    sessions: async_sessionmaker[AsyncSession], attendance_id: UUID
) -> NotFound | AttendanceNotOpen:
    """Why an attendance that is not in Redis takes no check-in: unknown, or stored."""
    async with sessions() as session:
        row = await repository.get_attendance(session, attendance_id, include_deleted=True)
    if row is None:
        return attendance_not_found(attendance_id)
    return stored_refusal(row)


def stored_refusal(row: AttendanceRow) -> AttendanceNotOpen:
    """Why a stored attendance takes no check-in (nor shows a code): deleted, finished or
    ended."""
    if row.deleted_at is not None:
        return AttendanceDeleted(f"attendance {row.attendance_id} was deleted")
    if row.finished_at is not None:
        return AttendanceFinished(f"attendance {row.attendance_id} is finished")
    return AttendanceEnded(f"attendance {row.attendance_id} has ended")


async def my_record(
    redis: RedisClient, session: AsyncSession, user: UserRedis, attendance_id: UUID
) -> RecordOut:
    """The caller's own record in one attendance, live or stored."""
    lesson = await redis.get_lesson(attendance_id)
    if lesson is not None:
        if lesson.deleted_at is not None:
            raise attendance_not_found(attendance_id)
        record = await redis.get_attendance_record(attendance_id, user.user_number)
        if record is not None:
            return for_student(record_out(record))
        if await redis.get_lesson(attendance_id) is not None:
            raise record_not_found(attendance_id, user.user_number)
    row = await repository.get_attendance(session, attendance_id)
    if row is None:
        raise attendance_not_found(attendance_id)
    stored = await repository.get_record(session, attendance_id, user.user_number)
    if stored is None:
        raise record_not_found(attendance_id, user.user_number)
    return for_student(row_record_out(stored, user.full_name))


async def my_history(
    redis: RedisClient,
    session: AsyncSession,
    user: UserRedis,
    query: PageQuery,
    now: datetime | None = None,
) -> MyAttendancePage:
    """The caller's records: live ones first (newest first), then the archive."""
    now = now or utcnow()
    live = sorted(
        await redis.student_live_records(user.user_number),
        key=lambda pair: pair[0].starts_at,
        reverse=True,
    )
    items = [
        MyAttendanceItem(attendance=lesson_out(lesson, now), record=for_student(record_out(record)))
        for lesson, record in live[query.offset : query.offset + query.limit]
    ]
    archive_limit = query.limit - len(items)
    page = await repository.list_student_records(
        session,
        user.user_number,
        limit=max(archive_limit, 1),
        offset=max(0, query.offset - len(live)),
    )
    if archive_limit > 0:
        shown = {item.attendance.attendance_id for item in items}
        pairs = [pair for pair in page.items if pair.attendance.attendance_id not in shown]
        names = await user_names(session, sorted({p.attendance.teacher_number for p in pairs}))
        items.extend(
            _archived_item(pair.attendance, names, pair.record, user, now) for pair in pairs
        )
    return MyAttendancePage(
        items=items, total=len(live) + page.total, limit=query.limit, offset=query.offset
    )


def _archived_item(
    attendance: AttendanceRow,
    names: dict[str, str],
    record: RecordRow,
    user: UserRedis,
    now: datetime,
) -> MyAttendanceItem:
    return MyAttendanceItem(
        attendance=row_out(attendance, names[attendance.teacher_number], now),
        record=for_student(row_record_out(record, user.full_name)),
    )
