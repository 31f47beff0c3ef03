"""Every Redis key name ATTN uses, built here and nowhere else.

Keys of one attendance share the hash tag ``{<attendance_id>}`` so multi-key scripts and
transactions over them stay in one slot on Redis Cluster. Index keys live in other slots
and are only ever changed with single-key commands.
"""

from __future__ import annotations

from uuid import UUID

PREFIX = "attn"


SESSION_ID_LENGTH = 32
"""Hex digits of the token hash that name a session (128 bits)."""


def session_id(token_hash: str) -> str:
    """The id of the session a token opened: its hash's first digits, so a request finds
    its session in one read."""
    return token_hash[:SESSION_ID_LENGTH]


def user_session(user_number: str, session: str) -> str:
    """string, TTL = the role's session TTL: the ``UserRedis`` JSON of one login (one
    device), named by its :func:`session_id`."""
    return f"{PREFIX}:user:{{{user_number}}}:session:{session}"


def user_sessions(user_number: str) -> str:
    """sorted set, TTL = the longest a session may live: the ids of the user's sessions,
    scored by when each ends (epoch seconds)."""
    return f"{PREFIX}:user:{{{user_number}}}:sessions"


def logins_blocked(user_number: str) -> str:
    """string, TTL = a few minutes: set while an admin deactivates the account, so that a
    password login already past its SQL read cannot open a session after the sessions
    were ended (the SQL row refuses every login that reads it later)."""
    return f"{PREFIX}:user:{{{user_number}}}:logins-blocked"


def remembered_device(user_number: str) -> str:
    """string, TTL = ``ATTN_REMEMBER_DAYS``: the ``RememberedDeviceRedis`` JSON of the one
    phone a student asked to be remembered on."""
    return f"{PREFIX}:user:{{{user_number}}}:remembered"


def lesson(attendance_id: UUID | str) -> str:
    """string, permanent until persisted: the ``LessonRedis`` JSON."""
    return f"{PREFIX}:att:{{{attendance_id}}}:lesson"


def records(attendance_id: UUID | str) -> str:
    """hash, permanent until persisted: student_number -> ``AttendanceRecordRedis`` JSON."""
    return f"{PREFIX}:att:{{{attendance_id}}}:records"


def version(attendance_id: UUID | str) -> str:
    """string (int), permanent until persisted: bumped by every write to the attendance."""
    return f"{PREFIX}:att:{{{attendance_id}}}:version"


def lease(attendance_id: UUID | str) -> str:
    """string, PX = the lease time: the token of the persistence worker holding it."""
    return f"{PREFIX}:att:{{{attendance_id}}}:lease"


def devices(attendance_id: UUID | str) -> str:
    """hash, permanent until persisted: device id -> the student number that used it."""
    return f"{PREFIX}:att:{{{attendance_id}}}:devices"


def secret(attendance_id: UUID | str) -> str:
    """string, permanent until persisted: the attendance's check-in code secret."""
    return f"{PREFIX}:att:{{{attendance_id}}}:secret"


def device_attempts(attendance_id: UUID | str) -> str:
    """hash, permanent until persisted: device id -> JSON list of the student numbers that
    tried it in a check-in (the holder first), written by the check-in script."""
    return f"{PREFIX}:att:{{{attendance_id}}}:device_attempts"


def scan_ticket(attendance_id: UUID | str, ticket_hash: str) -> str:
    """string, TTL = ``ATTN_SCAN_TICKET_SECONDS``: JSON of one QR scan (the code read, when,
    on which device), named by the SHA-256 of the ticket the page holds; taken (GETDEL) by
    the check-in that uses it. Not in :func:`attendance_keys`: it expires on its own."""
    return f"{PREFIX}:att:{{{attendance_id}}}:scan:{ticket_hash}"


def audit(attendance_id: UUID | str) -> str:
    """list, permanent until persisted: ``AuditEntryRedis`` JSON of the manual changes made
    while the attendance is live, oldest first (an outbox the persistence job empties into
    ``audit_log`` in the transaction that stores the attendance)."""
    return f"{PREFIX}:att:{{{attendance_id}}}:audit"


def events(attendance_id: UUID | str) -> str:
    """stream, capped (``MAXLEN ~ ATTN_LIVE_EVENTS_MAX``), permanent until persisted: the
    live channel's deltas (a record written or removed, the lesson started, finished or
    deleted), appended by the script of each change; listeners on any API process read it
    from their last event id."""
    return f"{PREFIX}:att:{{{attendance_id}}}:events"


def tombstone(attendance_id: UUID | str) -> str:
    """string, EX = a day: JSON list of the index keys that still name a persisted
    attendance; written by the cleanup with the deletion, removed once the job has taken the
    id out of them (a crash in between leaves it for the next run)."""
    return f"{PREFIX}:att:{{{attendance_id}}}:tombstone"


def roster(attendance_id: UUID | str) -> str:
    """hash, permanent until persisted: student_number -> full name of every student on the
    course's roster, for a course's attendance only: who may check in (``lua/check_in.lua``)
    and who has not yet. A copy of the SQL roster, written with the lesson and kept current
    by every roster change while the attendance is open (docs/design.md#courses-and-rosters);
    the absences at close are read from SQL, not from here."""
    return f"{PREFIX}:att:{{{attendance_id}}}:roster"


def attendance_keys(attendance_id: UUID | str) -> list[str]:
    """Every per-attendance key that persistence removes once the database has it."""
    return [
        lesson(attendance_id),
        records(attendance_id),
        version(attendance_id),
        devices(attendance_id),
        secret(attendance_id),
        device_attempts(attendance_id),
        audit(attendance_id),
        events(attendance_id),
        roster(attendance_id),
    ]


def name_index(normalized_teacher: str, normalized_lesson: str) -> str:
    """set, permanent until persisted: live attendance ids for a teacher and lesson name."""
    return f"{PREFIX}:index:name:{normalized_teacher}:{normalized_lesson}"


def teacher_index(teacher_number: str) -> str:
    """set, permanent: the teacher's live attendance ids (emptied as they are persisted)."""
    return f"{PREFIX}:index:teacher:{{{teacher_number}}}"


def teacher_start_lock(teacher_number: str) -> str:
    """string, PX = a few seconds: the token of the one request of a teacher that is
    checking for a live attendance and creating one (one live attendance per teacher).
    Same hash tag as ``teacher_index``."""
    return f"{PREFIX}:lock:teacher:{{{teacher_number}}}:start"


def course_index(course_id: UUID | str) -> str:
    """set, permanent until persisted: the live attendance ids of a course, so that a roster
    change reaches the roster copy of each (:func:`roster`)."""
    return f"{PREFIX}:index:course:{{{course_id}}}"


def live_index() -> str:
    """set, permanent: every live attendance id (for search and admin views)."""
    return f"{PREFIX}:index:live"


def due() -> str:
    """sorted set, permanent: attendance id -> epoch seconds when it is due for persistence."""
    return f"{PREFIX}:due"


def dead_letter() -> str:
    """hash, permanent until an admin clears it: attendance id -> JSON with the error."""
    return f"{PREFIX}:dead"


def rate_limit(scope: str, subject: str, window: int) -> str:
    """string (counter), TTL = the window: requests of one subject in one window."""
    return f"{PREFIX}:rl:{scope}:{{{subject}}}:{window}"


def callback_seen(callback_id: str) -> str:
    """string, TTL = the replay window: a verification callback id already used."""
    return f"{PREFIX}:cb:{callback_id}"


def face_request(callback_id: str) -> str:
    """string, TTL = longest attendance + persistence lag + late-callback window: JSON of the
    attendance and student a face verification request (callback id) was made for.

    Outside the attendance's hash tag on purpose: it must outlive the attendance's keys,
    because a late callback may arrive after persistence removed them."""
    return f"{PREFIX}:face:{callback_id}"


def import_draft(admin_number: str, draft_id: str) -> str:
    """string, TTL = 30 min: JSON of a CSV file a user uploaded and is previewing, until
    they confirm the import: an admin's user import (the file and what to do with existing
    numbers) or a course's roster import (the file and the course)."""
    return f"{PREFIX}:import:{{{admin_number}}}:{draft_id}"
