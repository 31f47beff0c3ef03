"""The roster copies of live course attendances: who may check in, and who has not yet.

Each course attendance holds its own copy (``keys.roster``, under its hash tag, so the
check-in script reads it in the same step as the record it writes); the course's index
(``keys.course_index``) finds the live attendances a roster change must reach. The SQL
roster stays the truth: the absences at close are read from it (docs/design.md#courses-and-rosters).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Literal
from uuid import UUID

from attn.db import keys
from attn.db.redis.base import RedisBase, text
from attn.db.redis.lessons import roster_arg

RosterOutcome = Literal["missing", "closed", "unchanged", "changed"]
"""``lua/change_roster.lua``'s replies."""


class RostersMixin(RedisBase):
    async def change_live_rosters(
        self,
        course_id: UUID | str,
        *,
        added: Mapping[str, str] | None = None,
        removed: Iterable[str] = (),
    ) -> int:
        """Add (number -> full name) and remove students on the roster copy of every open
        attendance of the course; returns how many copies changed. An id whose lesson is
        gone (persisted) leaves the course's index here."""
        index = keys.course_index(course_id)
        ids = sorted(text(member) for member in await self._redis.smembers(index))
        added_arg = roster_arg(added or {})
        removed_arg = json.dumps(sorted(set(removed)), ensure_ascii=False)
        changed = 0
        for aid in ids:
            outcome = await self._change_roster(aid, "change", added_arg, removed_arg)
            if outcome == "missing":
                await self._redis.srem(index, aid)
            changed += outcome == "changed"
        return changed

    async def replace_live_roster(
        self, attendance_id: UUID | str, roster: Mapping[str, str]
    ) -> RosterOutcome:
        """Make an open attendance's roster copy exactly ``roster`` (a reconciliation with
        the SQL roster read after the copy was written)."""
        return await self._change_roster(str(attendance_id), "replace", roster_arg(roster), "[]")

    async def live_roster(self, attendance_id: UUID | str) -> dict[str, str]:
        """The roster copy of a course attendance (empty for an ad-hoc one)."""
        raw = await self._redis.hgetall(keys.roster(attendance_id))
        return {text(number): text(name) for number, name in raw.items()}

    async def _change_roster(self, aid: str, mode: str, wanted: str, removed: str) -> RosterOutcome:
        outcome = text(
            await self._scripts.change_roster(
                keys=[keys.lesson(aid), keys.roster(aid), keys.events(aid)],
                args=[mode, wanted, removed, self._events_max],
            )
        )
        if outcome not in ("missing", "closed", "unchanged", "changed"):
            raise RuntimeError(f"change_roster.lua returned {outcome!r}")
        return outcome  # type: ignore[return-value]
