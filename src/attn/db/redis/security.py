"""Check-in security state (docs/design.md#check-in-checks): code secrets, device claims,
face verification requests and their callbacks' replay marks.

Per-attendance keys (secret, devices, device attempts) share the attendance's hash tag and
are removed by persistence with the rest of it. The face request and replay keys are not
per attendance and carry a TTL instead, because a verification callback may arrive after
the attendance has left Redis.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import ValidationError
from redis.commands.core import AsyncScript

from attn.db import keys
from attn.db.outcomes import NotPending
from attn.db.redis.base import DEFAULT_EVENTS_MAX, lua_source, not_live, text
from attn.db.redis.records import RecordsMixin
from attn.db.redis_connection import AnyRedis
from attn.models import AttendanceRecordRedis, RecordStatus
from attn.models.redis import RedisModel
from attn.models.types import SELF, UserNumber, UtcDateTime

log = logging.getLogger(__name__)


class FaceRequest(RedisModel):
    """What one face verification request (its callback id) was made for."""

    callback_id: str
    attendance_id: UUID
    student_number: UserNumber
    submitted_at: UtcDateTime


@dataclass(frozen=True)
class _SecurityScripts:
    ensure_secret: AsyncScript

    @classmethod
    def register(cls, redis: AnyRedis) -> _SecurityScripts:
        names = cls.__dataclass_fields__
        return cls(**{name: redis.register_script(lua_source(name)) for name in names})


class SecurityMixin(RecordsMixin):
    def __init__(self, redis: AnyRedis, *, events_max: int = DEFAULT_EVENTS_MAX) -> None:
        super().__init__(redis, events_max=events_max)
        self._security_scripts = _SecurityScripts.register(redis)

    # --- rotating codes ---------------------------------------------------------------

    async def ensure_code_secret(self, attendance_id: UUID | str, candidate: str) -> str:
        """The attendance's code secret (hex); ``candidate`` becomes it if there is none yet.

        Idempotent, so both the teacher's code view and a student's check-in may call it.
        Raises NotLive when the lesson is not in Redis.
        """
        found = await self._security_scripts.ensure_secret(
            keys=[keys.lesson(attendance_id), keys.secret(attendance_id)], args=[candidate]
        )
        if not found:
            raise not_live(attendance_id)
        return text(found)

    # --- devices ----------------------------------------------------------------------

    async def device_holder(self, attendance_id: UUID | str, device_id: str) -> str | None:
        """The student number holding ``device_id`` in this attendance, if any.

        A hint only (the check-in script decides atomically): it spares the face
        verification service a photo whose record the device check rejects anyway.
        """
        holder = await self._redis.hget(keys.devices(attendance_id), device_id)
        return None if holder is None else text(holder)

    async def device_holders(self, attendance_id: UUID | str) -> dict[str, str]:
        """device id -> the student number holding it."""
        raw = await self._redis.hgetall(keys.devices(attendance_id))
        return {text(device): text(student) for device, student in raw.items()}

    async def device_sharing(self, attendance_id: UUID | str) -> dict[str, list[str]]:
        """Devices tried by more than one student: device id -> students, holder first.

        The check-in notes every attempt with a device id (``lua/check_in.lua``); devices
        only one student used are left out here.
        """
        raw = await self._redis.hgetall(keys.device_attempts(attendance_id))
        shared: dict[str, list[str]] = {}
        for device, students in raw.items():
            try:
                decoded = json.loads(students)
            except ValueError:
                log.warning("unparsable device attempts %s/%s", attendance_id, text(device))
                continue
            if isinstance(decoded, list) and len(decoded) > 1:
                shared[text(device)] = [str(student) for student in decoded]
        return dict(sorted(shared.items()))

    # --- face verification ------------------------------------------------------------

    async def save_face_request(self, request: FaceRequest, ttl_seconds: int) -> None:
        await self._redis.set(
            keys.face_request(request.callback_id), request.to_json(), ex=ttl_seconds
        )

    async def get_face_request(self, callback_id: str) -> FaceRequest | None:
        raw = await self._redis.get(keys.face_request(callback_id))
        if raw is None:
            return None
        try:
            return FaceRequest.from_json(raw)
        except ValidationError:
            log.warning("unparsable face request %s", callback_id, exc_info=True)
            return None

    async def delete_face_request(self, callback_id: str) -> None:
        await self._redis.delete(keys.face_request(callback_id))

    async def callback_was_seen(self, callback_id: str) -> bool:
        """Whether the replay mark of ``callback_id`` is set (a read, nothing marked)."""
        return bool(await self._redis.exists(keys.callback_seen(callback_id)))

    async def mark_callback_seen(self, callback_id: str, ttl_seconds: int) -> bool:
        """True the first time a callback id is seen within ``ttl_seconds`` (SET NX EX)."""
        return bool(
            await self._redis.set(keys.callback_seen(callback_id), "1", nx=True, ex=ttl_seconds)
        )

    async def forget_callback_seen(self, callback_id: str) -> None:
        """Let a callback id be used again (its application failed for a temporary reason)."""
        await self._redis.delete(keys.callback_seen(callback_id))

    async def resolve_pending_record(
        self,
        attendance_id: UUID | str,
        student_number: str,
        decide: Callable[[AttendanceRecordRedis], tuple[RecordStatus, str | None]],
        *,
        now: datetime,
    ) -> AttendanceRecordRedis:
        """Settle a record waiting for an outside verification (``pending``, by the student).

        ``decide(record)`` gives the new ``(status, fail_reason)`` from the record as it is
        (e.g. ``late`` from its check-in time). Compare-and-set (``update_record.lua``), so a
        teacher's decision made in between is never overwritten.

        Raises NotLive, NoRecord, NotPending (already decided, by a teacher or an earlier
        result), KeptChanging.
        """

        def settle(current: AttendanceRecordRedis) -> dict[str, Any]:
            if current.status is not RecordStatus.PENDING or current.decided_by != SELF:
                raise NotPending(attendance_id, student_number, current.status)
            status, fail_reason = decide(current)
            return {"status": status, "fail_reason": fail_reason, "updated_at": now}

        return await self._update_record(attendance_id, student_number, settle)
