"""What the data layer reports when it did not make a change: the Lua scripts' and
compare-and-set loops' refusals, and SQL's taken keys.

These are not client errors: the data layer does not know what a refusal means to a
caller. A service branches on them where it has something to do (:class:`NotLive`: redo
the work on the archive) and translates the rest once (:mod:`attn.services.outcomes`).
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID


class DataOutcome(Exception):
    """Base of the data layer's refusals."""


class NotLive(DataOutcome):
    """The lesson is not in Redis: unknown, or already persisted and removed."""

    def __init__(self, attendance_id: UUID | str) -> None:
        super().__init__(f"attendance {attendance_id} is not live")
        self.attendance_id = attendance_id


class LoginsBlocked(DataOutcome):
    """``lua/open_session.lua`` refused: the account is being deactivated."""

    def __init__(self, user_number: str) -> None:
        super().__init__(f"logins of {user_number} are blocked")
        self.user_number = user_number


class NoRecord(DataOutcome):
    """The live attendance holds no record of the student."""

    def __init__(self, attendance_id: UUID | str, student_number: str) -> None:
        super().__init__(f"no record of {student_number} in attendance {attendance_id}")
        self.attendance_id = attendance_id
        self.student_number = student_number


CheckInRefusal = Literal["deleted", "finished", "not_started", "ended"]


class CheckInRefused(DataOutcome):
    """``lua/check_in.lua`` refused: the lesson takes no check-in at that instant."""

    def __init__(self, attendance_id: UUID | str, why: CheckInRefusal) -> None:
        super().__init__(f"attendance {attendance_id} refused the check-in: {why}")
        self.attendance_id = attendance_id
        self.why = why


class LessonClosed(DataOutcome):
    """``lua/update_lesson.lua`` refused a change of a deleted (or finished) lesson."""

    def __init__(self, attendance_id: UUID | str, why: Literal["deleted", "finished"]) -> None:
        super().__init__(f"attendance {attendance_id} is {why}")
        self.attendance_id = attendance_id
        self.why = why


class LessonExists(DataOutcome):
    def __init__(self, attendance_id: UUID | str) -> None:
        super().__init__(f"attendance {attendance_id} already exists")
        self.attendance_id = attendance_id


class NotPending(DataOutcome):
    """A verification result for a record that no longer waits for one."""

    def __init__(self, attendance_id: UUID | str, student_number: str, status: str) -> None:
        super().__init__(f"the record of {student_number} is {status}, not pending")
        self.attendance_id = attendance_id
        self.student_number = student_number
        self.status = status


class KeptChanging(DataOutcome):
    """A compare-and-set lost to concurrent writers every time it tried."""

    def __init__(self, subject: str) -> None:
        super().__init__(f"{subject} kept changing")
        self.subject = subject


class NumbersTaken(DataOutcome):
    """New accounts whose numbers exist already: one account's, or some of a bulk insert's."""

    def __init__(self, numbers: list[str], *, bulk: bool) -> None:
        super().__init__(f"user number(s) taken: {', '.join(numbers[:10])}")
        self.numbers = numbers
        self.bulk = bulk
