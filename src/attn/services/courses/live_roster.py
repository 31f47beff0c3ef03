"""The roster copies of a course's live attendances kept in step with its SQL roster.

A course attendance's check-ins are admitted from a copy of the roster in Redis (under the
attendance's hash tag, read by the check-in script), so the hot path never asks the
database. The copy is written with the lesson, checked against the database once more right
after the start (a roster change committed between the two reads is then caught), and
changed by every roster change while the attendance is open. The SQL roster stays the
truth: the absences at close are read from it (docs/design.md#courses-and-rosters).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from attn.db.redis_client import RedisClient
from attn.db.sql import courses_repo
from attn.models import LessonRedis

log = logging.getLogger(__name__)


async def read_roster(session: AsyncSession, course_id: UUID) -> dict[str, str]:
    """The course's students now, number -> full name."""
    entries = await courses_repo.roster(session, course_id)
    return {entry.student_number: entry.full_name for entry in entries}


async def load_roster(
    sessions: async_sessionmaker[AsyncSession], course_id: UUID
) -> dict[str, str]:
    """:func:`read_roster` in a short session of its own (a start holds none)."""
    async with sessions() as session:
        return await read_roster(session, course_id)


async def recheck_roster(
    redis: RedisClient,
    sessions: async_sessionmaker[AsyncSession],
    lesson: LessonRedis,
    written: Mapping[str, str],
) -> None:
    """After a course attendance was created with ``written`` as its roster copy (and
    indexed under its course): read the roster again and replace the copy if it moved.

    A roster change that committed before the lesson was in the course's index reached no
    copy; this read comes after the index write, so it sees that change. One committed
    after it finds the lesson in the index and changes the copy itself.
    """
    assert lesson.course_id is not None
    now = await load_roster(sessions, lesson.course_id)
    if now != dict(written):
        outcome = await redis.replace_live_roster(lesson.attendance_id, now)
        log.info("roster of attendance %s moved during its start: %s", lesson.attendance_id,
                 outcome)  # fmt: skip


async def roster_changed(
    redis: RedisClient,
    course_id: UUID,
    *,
    added: Mapping[str, str] | None = None,
    removed: Iterable[str] = (),
) -> None:
    """Pass a roster change on to the course's open attendances: ``added`` students may
    check in from now on, ``removed`` ones are refused (``not_enrolled``); their records
    stay. Called in the change's transaction once its statements have succeeded."""
    changed = await redis.change_live_rosters(course_id, added=added, removed=removed)
    if changed:
        log.info("roster change of course %s reached %d live attendance(s)", course_id, changed)
