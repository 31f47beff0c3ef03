"""Arranging excuse requests: a course (taught by T1 and T3) with a stored attendance of T1
whose records cover every case, and the files a student may attach."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import update

from attn.db.sql import courses_repo
from attn.db.sql.course_rows import CourseValues
from attn.db.sql.tables import ATTENDANCES
from attn.models import RecordStatus, Role
from attn.models.types import utcnow
from attn.runtime import Runtime
from tests.fixtures.app import Account, MakeUser
from tests.helpers.stored import store_attendance

PDF = b"%PDF-1.4\n% rapor\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
HTML = b"<html><script>alert(1)</script></html>"


def as_pdf(data: bytes = PDF, name: str = "rapor.pdf") -> tuple[str, bytes, str]:
    """A file field of a PDF upload."""
    return name, data, "application/pdf"


@dataclass(frozen=True)
class Scene:
    admin: Account
    teacher: Account  # T1: the attendance's teacher, a teacher of the course
    co_teacher: Account  # T3: a teacher of the course, not the attendance's
    other_teacher: Account  # T2: neither
    absent: Account  # S1: an absent record
    present: Account  # S2: present
    enrolled: Account  # S3: on the roster, no record
    stranger: Account  # S4: no record, not on the roster
    late: Account  # S5: late
    course_id: UUID
    attendance_id: UUID
    adhoc_id: UUID  # an attendance of T1 without a course: S1 absent there too


async def make_scene(runtime: Runtime, make_user: MakeUser) -> Scene:
    admin = await make_user(Role.ADMIN, number="A1")
    teacher = await make_user(Role.TEACHER, number="T1", name="Ayşe Yılmaz")
    other = await make_user(Role.TEACHER, number="T2")
    co_teacher = await make_user(Role.TEACHER, number="T3")
    students = [
        await make_user(Role.STUDENT, number=f"S{n}", name=name)
        for n, name in enumerate(
            ["Çiğdem Öztürk", "İsmail Işık", "Ömer Şahin", "Gül Ak", "Deniz Er"], start=1
        )
    ]
    starts = utcnow() - timedelta(days=1)
    records = [("S1", RecordStatus.ABSENT), ("S2", RecordStatus.PRESENT), ("S5", RecordStatus.LATE)]
    named = {s.user_number: s.full_name for s in students}
    aid = await store_attendance(
        runtime,
        teacher,
        starts_at=starts,
        students=[(n, named[n], status) for n, status in records],
    )
    adhoc = await store_attendance(
        runtime, teacher, lesson_name="Seminer", students=[("S1", named["S1"], RecordStatus.ABSENT)]
    )
    async with runtime.sessionmaker() as session, session.begin():
        values = CourseValues(code="BIL203", name="Veri Yapıları", term="2026-güz")
        course = await courses_repo.create_course(session, values, at=starts - timedelta(days=30))
        await courses_repo.set_teachers(session, course.course_id, ["T1", "T3"], at=starts)
        await courses_repo.enrol(
            session, course.course_id, ["S1", "S2", "S3", "S5"], at=starts - timedelta(days=30)
        )
        await session.execute(
            update(ATTENDANCES)
            .where(ATTENDANCES.c.attendance_id == aid)
            .values(course_id=course.course_id)
        )
    absent, present, enrolled, stranger, late = students
    return Scene(
        admin=admin,
        teacher=teacher,
        co_teacher=co_teacher,
        other_teacher=other,
        absent=absent,
        present=present,
        enrolled=enrolled,
        stranger=stranger,
        late=late,
        course_id=course.course_id,
        attendance_id=aid,
        adhoc_id=adhoc,
    )


async def ask(
    api: httpx.AsyncClient,
    who: Account,
    attendance_id: UUID | str,
    note: str = "Hastaydım; doktor raporu ekte.",
    file: tuple[str, bytes, str] | None = None,
    **extra: Any,
) -> httpx.Response:
    """POST the request as a browser's form would (multipart), optionally with a file."""
    files = {"file": file} if file is not None else {"file": ("", b"", "application/octet-stream")}
    return await api.post(
        f"/api/v1/attendances/{attendance_id}/excuses",
        data={"note": note, **extra},
        files=files,
        headers=who.headers,
    )
