"""The student a teacher adds by hand: the directory's name wins over a typed one, and
only a student's number may be added."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.db.sql.rows import UserFromAttendance
from attn.errors import FullNameRequired, NotAStudent
from attn.models import Role
from attn.models.api_attendances import SaveRecordIn

_DATABASE_DOWN = (OperationalError, InterfaceError, OSError)


async def live_student_name(
    redis: RedisClient, session: AsyncSession, student_number: str, body: SaveRecordIn
) -> str:
    """The name of a student added to a live attendance: the directory's, which wins over a
    typed one. With the database down the class goes on: a logged-in user's session says
    who they are (it follows the directory), else the typed name is used, and persistence
    will create the student only if nobody has that number by then."""
    try:
        on_file = (await repository.get_users(session, [student_number])).get(student_number)
    except _DATABASE_DOWN:
        sessions = await redis.user_sessions(student_number)
        if not sessions:
            return _typed_name(body)
        known = sessions[0]
        _ensure_student(student_number, known.role)
        return known.full_name
    if on_file is None:
        return _typed_name(body)
    _ensure_student(student_number, on_file.role)
    return on_file.full_name


async def stored_student_name(
    session: AsyncSession, student_number: str, body: SaveRecordIn, now: datetime
) -> str:
    """The directory's name of a student added to a stored attendance; a number nobody has
    becomes a new student under the typed name, in the change's transaction."""
    on_file = (await repository.get_users(session, [student_number])).get(student_number)
    if on_file is not None:
        _ensure_student(student_number, on_file.role)
        return on_file.full_name
    name = _typed_name(body)
    student = UserFromAttendance(student_number, name, Role.STUDENT, seen_at=now)
    await repository.insert_missing_users(session, [student])
    return name


def _ensure_student(user_number: str, role: Role) -> None:
    if role is not Role.STUDENT:
        raise NotAStudent(
            f"{user_number} is a {role.value}'s number, not a student's",
            details={"field": "student_number", "role": role.value},
        )


def _typed_name(body: SaveRecordIn) -> str:
    if body.full_name is None:
        raise FullNameRequired(
            "full_name is required to add a student who is not in the user directory",
            details={"field": "full_name"},
        )
    return body.full_name
