"""The admin pages' CSV import in two steps: a preview of what the file would do (every
row to create, update or skip, every problem with its line, nothing written), then the
confirmation, which imports the very file previewed.

Between the two the file waits in Redis (:meth:`RedisClient.save_import_draft`) for
:data:`DRAFT_TTL` seconds under the admin's number and a random id, so only the admin who
uploaded it can confirm it, once. It holds the passwords of its rows for that long (the
same bytes the API import holds for a request); the preview never shows them.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from attn.config import Settings
from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.models.api_users import ImportResult, OnExisting
from attn.services.accounts import user_import
from attn.services.accounts.csv_rows import Problem
from attn.services.accounts.user_import import ParsedRow

DRAFT_TTL = 30 * 60
DRAFT_ID_PATTERN = r"^[0-9a-f]{32}$"
DRAFT_ID = re.compile(DRAFT_ID_PATTERN)


@dataclass(frozen=True, slots=True)
class Draft:
    data: bytes
    on_existing: OnExisting


@dataclass(slots=True)
class Preview:
    """What importing the file would do now; ``problems`` non-empty: nothing would be."""

    on_existing: OnExisting
    encoding: str | None
    create: list[ParsedRow] = field(default_factory=list)
    update: list[ParsedRow] = field(default_factory=list)
    skip: list[ParsedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def planned(self) -> list[tuple[ParsedRow, str]]:
        """Every valid row with what happens to it (``create``, ``update``, ``skip``), by
        line."""
        kinds = (("create", self.create), ("update", self.update), ("skip", self.skip))
        planned = [(row, kind) for kind, rows in kinds for row in rows]
        return sorted(planned, key=lambda item: item[0].line)


async def preview(session: AsyncSession, draft: Draft, *, max_rows: int | None = None) -> Preview:
    """Check the file as the import would, against the directory as it is; write nothing."""
    parsed = user_import.parse_csv(draft.data, max_rows=max_rows)
    problems = list(parsed.problems)
    if not parsed.rows and not problems:
        problems.append(Problem(1, "empty_file", "the file has no user rows"))
    numbers = [row.user.user_number for row in parsed.rows]
    existing = await repository.get_users(session, numbers)
    result = Preview(draft.on_existing, parsed.encoding)
    result.problems = user_import.all_problems(parsed.rows, existing, draft.on_existing, problems)
    for row in parsed.rows:
        if row.user.user_number not in existing:
            result.create.append(row)
        elif draft.on_existing is OnExisting.UPDATE:
            result.update.append(row)
        elif draft.on_existing is OnExisting.SKIP:
            result.skip.append(row)
    return result


async def stage(redis: RedisClient, admin_number: str, draft: Draft) -> str:
    """Keep the uploaded file for the confirmation; the draft's id."""
    draft_id = secrets.token_hex(16)
    payload = {
        "on_existing": draft.on_existing.value,
        "csv": base64.b64encode(draft.data).decode("ascii"),
    }
    await redis.save_import_draft(admin_number, draft_id, json.dumps(payload), DRAFT_TTL)
    return draft_id


async def staged(
    redis: RedisClient, admin_number: str, draft_id: str, *, take: bool = False
) -> Draft | None:
    """The admin's draft (taken: deleted, so it imports once); None when it has expired,
    was confirmed already, or is not theirs."""
    if not DRAFT_ID.match(draft_id):
        return None
    if take:
        raw = await redis.take_import_draft(admin_number, draft_id)
    else:
        raw = await redis.import_draft(admin_number, draft_id)
    if raw is None:
        return None
    payload = json.loads(raw)
    if "on_existing" not in payload:
        return None  # a roster import's draft (services.courses.roster_drafts)
    return Draft(base64.b64decode(payload["csv"]), OnExisting(payload["on_existing"]))


async def confirm(
    session: AsyncSession,
    redis: RedisClient,
    settings: Settings,
    draft: Draft,
    *,
    actor: str,
    now: datetime,
    max_rows: int | None = None,
) -> ImportResult:
    """Import the previewed file (all or nothing, re-checked: the directory may have
    changed since the preview)."""
    return await user_import.import_csv(
        session,
        redis,
        settings,
        draft.data,
        on_existing=draft.on_existing,
        actor=actor,
        now=now,
        max_rows=max_rows,
    )
