"""Helpers shared by the attendance API tests: start, check in, persist, arrange in Redis."""

from __future__ import annotations

import itertools
import secrets
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import httpx

from attn.db.sql import repository
from attn.db.sql.rows import AuditRow
from attn.models import LessonRedis, Role, UserRedis
from attn.models.types import format_utc, utcnow
from attn.persistence.job import PersistenceJob
from attn.persistence.summary import RunSummary
from attn.runtime import Runtime
from attn.services.accounts.auth import hash_secret
from tests.fixtures.app import Account
from tests.helpers.factories import make_lesson

BASE = "/api/v1/attendances"
LESSON = "Veri Yapıları"


def url(attendance_id: Any, *parts: str) -> str:
    return "/".join([BASE, str(attendance_id), *parts])


async def start(api: httpx.AsyncClient, teacher: Account, **body: Any) -> dict[str, Any]:
    """Start an attendance through the API (60 minutes from now unless overridden)."""
    payload: dict[str, Any] = {"lesson_name": LESSON}
    if "ends_at" not in body:
        payload["duration_minutes"] = 60
    payload.update(body)
    response = await api.post(BASE, json=payload, headers=teacher.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def check_in(api: httpx.AsyncClient, student: Account, attendance_id: Any) -> httpx.Response:
    return await api.post(url(attendance_id, "check-in"), headers=student.headers)


async def arrange_lesson(
    runtime: Runtime,
    teacher: Account,
    *,
    starts_at: datetime,
    ends_at: datetime,
    **overrides: Any,
) -> LessonRedis:
    """A lesson written straight into Redis, for windows the API refuses to create (past)."""
    lesson = make_lesson(
        teacher_number=teacher.user_number,
        teacher_full_name=teacher.full_name,
        starts_at=starts_at,
        ends_at=ends_at,
        **overrides,
    )
    await runtime.redis_client.create_lesson(lesson, due_at=ends_at)
    return lesson


async def audit_of(runtime: Runtime, attendance_id: str | UUID) -> list[AuditRow]:
    """The attendance's audit entries, oldest first: those in ``audit_log`` and then those
    of a live attendance still waiting in its Redis outbox (``id`` 0), which persistence
    moves into ``audit_log`` with the attendance."""
    async with runtime.sessionmaker() as session:
        page = await repository.list_audit(session, attendance_id=UUID(str(attendance_id)))
    pending = await runtime.redis_client.audit_outbox(attendance_id)
    return [*reversed(page.items), *(AuditRow(id=0, **entry.model_dump()) for entry in pending)]


async def persist(runtime: Runtime) -> RunSummary:
    """One run of the real persistence job (finished attendances are due at once)."""
    return await PersistenceJob(runtime).run_once()


async def start_and_persist(
    api: httpx.AsyncClient, runtime: Runtime, teacher: Account, students: list[Account]
) -> str:
    """An attendance the students checked in to, finished and stored in SQL."""
    attendance = await start(api, teacher)
    aid = attendance["attendance_id"]
    for student in students:
        assert (await check_in(api, student, aid)).status_code == 201
    finished = await api.post(url(aid, "finish"), headers=teacher.headers)
    assert finished.status_code == 200, finished.text
    summary = await persist(runtime)
    assert summary.attendances == 1, summary
    assert await runtime.redis_client.get_lesson(aid) is None
    return str(aid)


def iso(at: datetime) -> str:
    return format_utc(at)


def minutes_ago(minutes: float) -> datetime:
    return utcnow() - timedelta(minutes=minutes)


async def quick_session(runtime: Runtime, number: str, name: str, role: Role) -> Account:
    """A logged-in user with no SQL row and no password hashing (Argon2 costs ~0.5 s a user):
    for tests that need many sessions; the Redis session is all a check-in looks at."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    session = UserRedis(
        user_number=number,
        full_name=name,
        role=role,
        token_hash=hash_secret(secret),
        issued_at=now,
        expires_at=now + timedelta(hours=1),
    )
    await runtime.redis_client.save_user_session(session, 3600)
    return Account(number, name, role, "", f"{number}.{secret}")


_quick_numbers = itertools.count(1)


async def quick_user(runtime: Runtime, role: Role | str, name: str | None = None) -> Account:
    """:func:`quick_session` with a fresh number (``q<role initial><n>``)."""
    role = Role(role)
    n = next(_quick_numbers)
    number = f"q{role.value[0]}{n:05d}"
    return await quick_session(runtime, number, name or f"{role.value.title()} {n}", role)
