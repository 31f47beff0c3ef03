"""The rules every attendance view and use case shares: its state at an instant, when a
check-in is late, and the check settings it was started with.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from attn.db.sql.rows import AttendanceRow
from attn.models import (
    CheckSettings,
    LessonRedis,
    RecordStatus,
)
from attn.models.api_attendances import (
    AttendanceState,
)

log = logging.getLogger(__name__)


def state_of(
    starts_at: datetime,
    ends_at: datetime,
    finished_at: datetime | None,
    deleted_at: datetime | None,
    now: datetime,
) -> AttendanceState:
    if deleted_at is not None:
        return "deleted"
    if finished_at is not None:
        return "finished"
    if now < starts_at:
        return "scheduled"
    if now >= ends_at:
        return "ended"
    return "open"


def lesson_state(lesson: LessonRedis, now: datetime) -> AttendanceState:
    return state_of(lesson.starts_at, lesson.ends_at, lesson.finished_at, lesson.deleted_at, now)


def row_state(row: AttendanceRow, now: datetime) -> AttendanceState:
    return state_of(row.starts_at, row.ends_at, row.finished_at, row.deleted_at, now)


def self_status(starts_at: datetime, late_after_minutes: int | None, at: datetime) -> RecordStatus:
    """``late`` for a check-in more than ``late_after_minutes`` after the start."""
    if late_after_minutes is not None and at > starts_at + timedelta(minutes=late_after_minutes):
        return RecordStatus.LATE
    return RecordStatus.PRESENT


def stored_checks(settings: dict[str, Any]) -> CheckSettings:
    """Stored settings, tolerating keys a newer version may have added."""
    known = {key: value for key, value in settings.items() if key in CheckSettings.model_fields}
    try:
        return CheckSettings.model_validate(known)
    except ValidationError:
        log.warning("unreadable check settings %r; shown as defaults", settings)
        return CheckSettings()
