"""What the teacher shows and watches in class: the rotating code in force (with its
check-in link and QR), and which students shared a device.

Only the attendance's teacher (or an admin) may see either: the code is what a student at
home would need, and device sharing names students. The code secret itself never leaves
Redis; only the code in force is returned.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from functools import partial
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from attn.config import Settings
from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.db.sql.rows import AttendanceRow
from attn.errors import CodeNotEnabled, Conflict
from attn.models import LessonRedis, UserRedis
from attn.models.api_checkin import SharedDeviceOut, SharedDevicesOut
from attn.services.attendance.locate import live_or_archived
from attn.services.attendance.rules import stored_checks
from attn.services.checkin.refusals import live_refusal, stored_refusal
from attn.services.security import codes


def code_not_enabled(attendance_id: UUID) -> CodeNotEnabled:
    return CodeNotEnabled(f"attendance {attendance_id} was started without the code check")


async def current_code(
    redis: RedisClient,
    session: AsyncSession,
    settings: Settings,
    user: UserRedis,
    attendance_id: UUID,
    now: datetime,
) -> codes.CodeDisplay:
    """The code in force, its check-in link and when it changes (owner or admin only).

    Raises Forbidden ``not_your_attendance``, NotFound ``attendance_not_found``, Conflict
    ``code_not_enabled``, and the attendance's refusal once it takes no check-in
    (``attendance_finished``, ``attendance_ended``, ``attendance_deleted``). A scheduled
    attendance already has its code, so the teacher can put the screen up early.
    """

    async def live(lesson: LessonRedis) -> codes.CodeDisplay:
        if not lesson.checks.code:
            raise code_not_enabled(attendance_id)
        refusal = live_refusal(lesson, now, allow_scheduled=True)
        if refusal is not None:
            raise refusal
        return await codes.code_display(redis, settings, attendance_id, now)

    async def stored(row: AttendanceRow) -> codes.CodeDisplay:
        raise _stored_code_refusal(row)

    found = await redis.get_lesson(attendance_id)
    return await live_or_archived(session, user, attendance_id, found, live, stored)


def _stored_code_refusal(row: AttendanceRow) -> Conflict:
    if not stored_checks(row.settings).code:
        return code_not_enabled(row.attendance_id)
    return stored_refusal(row)


async def shared_devices(
    redis: RedisClient, session: AsyncSession, user: UserRedis, attendance_id: UUID
) -> SharedDevicesOut:
    """Devices more than one student tried to check in with (owner or admin only).

    Live, from the device claims the check-in made (with who holds each device). Once
    stored, only the records are left: devices that several records name, without a holder.
    Empty without the device check.
    """
    found = await redis.get_lesson(attendance_id)
    live, stored = partial(_live_sharing, redis), partial(_stored_sharing, session)
    return await live_or_archived(session, user, attendance_id, found, live, stored)


async def _live_sharing(redis: RedisClient, lesson: LessonRedis) -> SharedDevicesOut:
    attendance_id = lesson.attendance_id
    if not lesson.checks.device:
        return SharedDevicesOut(attendance_id=attendance_id, source="live", devices=[])
    sharing = await redis.device_sharing(attendance_id)
    holders = await redis.device_holders(attendance_id) if sharing else {}
    devices = [
        SharedDeviceOut(device_id=device, holder=holders.get(device), students=students)
        for device, students in sharing.items()
    ]
    return SharedDevicesOut(attendance_id=attendance_id, source="live", devices=devices)


async def _stored_sharing(session: AsyncSession, row: AttendanceRow) -> SharedDevicesOut:
    attendance_id = row.attendance_id
    if not stored_checks(row.settings).device:
        return SharedDevicesOut(attendance_id=attendance_id, source="archive", devices=[])
    by_device: dict[str, list[str]] = defaultdict(list)
    for record in await repository.list_records(session, attendance_id, include_deleted=True):
        if record.device_id is not None and record.deleted_at is None:
            by_device[record.device_id].append(record.student_number)
    devices = [
        SharedDeviceOut(device_id=device, holder=None, students=students)
        for device, students in sorted(by_device.items())
        if len(students) > 1
    ]
    return SharedDevicesOut(attendance_id=attendance_id, source="archive", devices=devices)
