"""The data layer's refusals (:mod:`attn.db.outcomes`) as the errors a client sees, in one
place: a service catches the outcome it acts on and lets :func:`translated` name the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from attn.db.outcomes import (
    CheckInRefusal,
    CheckInRefused,
    DataOutcome,
    KeptChanging,
    LessonClosed,
    LessonExists,
    LoginsBlocked,
    NoRecord,
    NotLive,
    NotPending,
    NumbersTaken,
)
from attn.errors import (
    AttendanceDeleted,
    AttendanceEnded,
    AttendanceExists,
    AttendanceFinished,
    AttendanceNotLive,
    AttendanceNotOpen,
    AttendanceNotStarted,
    AttnError,
    Busy,
    InvalidCredentials,
    RecordNotFound,
    RecordNotPending,
    UserExists,
)

_NOT_OPEN: dict[CheckInRefusal, tuple[type[AttendanceNotOpen], str]] = {
    "deleted": (AttendanceDeleted, "was deleted"),
    "finished": (AttendanceFinished, "is finished"),
    "not_started": (AttendanceNotStarted, "has not started yet"),
    "ended": (AttendanceEnded, "has ended"),
}


def not_open(attendance_id: object, why: CheckInRefusal) -> AttendanceNotOpen:
    """Why a live attendance takes no check-in (nor code) at this instant."""
    error, says = _NOT_OPEN[why]
    return error(f"attendance {attendance_id} {says}")


def domain_error(outcome: DataOutcome) -> AttnError:
    """The client's error for a refusal no caller acted on."""
    match outcome:
        case NotLive(attendance_id=aid):
            return AttendanceNotLive(
                f"attendance {aid} is not live (unknown or already closed and stored)"
            )
        case NoRecord(attendance_id=aid, student_number=student):
            return record_not_found(aid, student)
        case CheckInRefused(attendance_id=aid, why=why):
            return not_open(aid, why)
        case LessonClosed(attendance_id=aid, why="deleted"):
            return AttendanceDeleted(f"attendance {aid} was deleted")
        case LessonClosed(attendance_id=aid):
            return AttendanceFinished(f"attendance {aid} is already finished")
        case LessonExists(attendance_id=aid):
            return AttendanceExists(f"attendance {aid} already exists")
        case NotPending(attendance_id=aid, student_number=student, status=status):
            return RecordNotPending(
                f"the record of {student} in attendance {aid} is {status}, "
                "not waiting for verification; it is left as it is",
                details={"status": status},
            )
        case LoginsBlocked():  # a deactivation under way: refused as its login will be
            return InvalidCredentials("wrong user number or password")
        case KeptChanging(subject=subject):
            return Busy(f"{subject} kept changing; try again")
        case NumbersTaken(numbers=[number], bulk=False):
            return UserExists(f"user {number} already exists", details={"user_number": number})
        case NumbersTaken(numbers=numbers):
            return UserExists(
                f"{len(numbers)} user(s) already exist: {', '.join(numbers[:10])}",
                details={"user_numbers": numbers},
            )
    raise TypeError(f"no client error for {outcome!r}")  # pragma: no cover - new outcome


def record_not_found(attendance_id: object, student_number: str) -> RecordNotFound:
    return RecordNotFound(f"no record of {student_number} in attendance {attendance_id}")


@contextmanager
def translated() -> Iterator[None]:
    """Raise the client's error for any data-layer refusal inside the block."""
    try:
        yield
    except DataOutcome as outcome:
        raise domain_error(outcome) from outcome
