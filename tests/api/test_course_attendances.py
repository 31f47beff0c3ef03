"""A course's attendance on SQLite and PostgreSQL: started for one of the teacher's courses
(the lesson name defaults to the course's), stored with its course, and at persistence
every student on the roster at the close without a record becomes ``absent``, exactly once;
roster changes after the close change nothing."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from attn.config import Settings
from attn.db.sql import bulk, courses_repo
from attn.db.sql.course_rows import CourseValues
from attn.models import Role
from attn.models.types import ROSTER, utcnow
from attn.runtime import Runtime
from tests.fixtures.app import Account, MakeUser, error_code
from tests.helpers.attendance_api import BASE, check_in, persist, url
from tests.helpers.databases import BOTH_DATABASES, on_database
from tests.helpers.persistence import stored_attendance, stored_records


@pytest.fixture(params=BOTH_DATABASES)
def app_settings(request: pytest.FixtureRequest, app_settings: Settings) -> Settings:
    return on_database(request, app_settings)


async def course_of(runtime: Runtime, teacher: str, *students: str) -> UUID:
    """BIL203 taught by ``teacher`` with ``students`` enrolled now."""
    async with runtime.sessionmaker() as session, session.begin():
        values = CourseValues(code="BIL203", name="Veri Yapıları", term="2026-güz")
        course = await courses_repo.create_course(session, values, at=utcnow())
        await courses_repo.set_teachers(session, course.course_id, [teacher], at=utcnow())
        await courses_repo.enrol(session, course.course_id, list(students), at=utcnow())
    return course.course_id


async def enrol(runtime: Runtime, course: UUID, number: str) -> None:
    async with runtime.sessionmaker() as session, session.begin():
        assert await courses_repo.enrol(session, course, [number], at=utcnow())


async def unenrol(runtime: Runtime, course: UUID, number: str) -> None:
    async with runtime.sessionmaker() as session, session.begin():
        assert await courses_repo.unenrol(session, course, number, at=utcnow())


async def start_for(api: httpx.AsyncClient, teacher: Account, course: Any) -> httpx.Response:
    body = {"course_id": str(course), "duration_minutes": 60, "checks": {"code": False}}
    return await api.post(BASE, json=body, headers=teacher.headers)


class TestStart:
    async def test_the_lesson_name_defaults_to_the_course_name(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user(Role.TEACHER, number="T1")
        course = await course_of(runtime, "T1")
        started = await start_for(api, teacher, course)
        assert started.status_code == 201, started.text
        assert started.json()["lesson_name"] == "Veri Yapıları"
        lesson = await runtime.redis_client.get_lesson(started.json()["attendance_id"])
        assert lesson is not None
        assert lesson.course_id == course

    async def test_only_for_the_teachers_own_course(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        await make_user(Role.TEACHER, number="T1", login=False)
        other = await make_user(Role.TEACHER, number="T2")
        course = await course_of(runtime, "T1")
        refused = await start_for(api, other, course)
        assert (refused.status_code, error_code(refused)) == (403, "not_your_course")
        unknown = await start_for(api, other, uuid4())
        assert (unknown.status_code, error_code(unknown)) == (404, "course_not_found")
        nothing = await api.post(BASE, json={"duration_minutes": 60}, headers=other.headers)
        assert (nothing.status_code, error_code(nothing)) == (422, "invalid_input")
        assert await runtime.redis_client.teacher_lessons("T2") == []


class TestAbsentAtClose:
    async def test_the_roster_at_the_close_counts_exactly_once(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user(Role.TEACHER, number="T1")
        s1 = await make_user(Role.STUDENT, number="S1")
        for number in ("S2", "S3", "S4", "S5", "S6"):
            await make_user(Role.STUDENT, number=number, login=False)
        course = await course_of(runtime, "T1", "S1", "S2", "S3", "S4")
        await unenrol(runtime, course, "S4")  # left before the lesson
        aid = (await start_for(api, teacher, course)).json()["attendance_id"]
        assert (await check_in(api, s1, aid)).status_code == 201
        await enrol(runtime, course, "S5")  # joined during the lesson
        await unenrol(runtime, course, "S3")  # left during the lesson
        finished = await api.post(url(aid, "finish"), headers=teacher.headers)
        assert finished.status_code == 200, finished.text
        await enrol(runtime, course, "S6")  # after the close: not expected
        await unenrol(runtime, course, "S2")  # after the close: still expected

        assert (await persist(runtime)).attendances == 1
        stored = await stored_records(runtime, UUID(aid))
        assert {n: (r.status.value, r.decided_by) for n, r in stored.items()} == {
            "S1": ("present", "self"),
            "S2": ("absent", ROSTER),
            "S5": ("absent", ROSTER),
        }
        attendance = await stored_attendance(runtime, UUID(aid))
        assert attendance is not None
        assert attendance.course_id == course
        assert stored["S2"].attempt_count == 0
        assert stored["S2"].checked_in_at == attendance.finished_at

        async with runtime.engine.begin() as connection:  # a replay after the commit
            await bulk.insert_absent(connection, attendance)
        assert await stored_records(runtime, UUID(aid)) == stored
        detail = await api.get(url(aid), headers=teacher.headers)
        statuses = sorted((r["student_number"], r["status"]) for r in detail.json()["records"])
        assert statuses == [("S1", "present"), ("S2", "absent"), ("S5", "absent")]

    async def test_an_ad_hoc_or_deleted_attendance_marks_nobody(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user(Role.TEACHER, number="T1")
        await make_user(Role.STUDENT, number="S1", login=False)
        course = await course_of(runtime, "T1", "S1")
        ad_hoc = await api.post(
            BASE,
            json={"lesson_name": "Veri Yapıları", "duration_minutes": 60},
            headers=teacher.headers,
        )
        aid = ad_hoc.json()["attendance_id"]
        await api.post(url(aid, "finish"), headers=teacher.headers)
        deleted = (await start_for(api, teacher, course)).json()["attendance_id"]
        gone = await api.delete(url(deleted), params={"reason": "yanlış"}, headers=teacher.headers)
        assert gone.status_code == 200, gone.text
        assert (await persist(runtime)).attendances == 2
        assert await stored_records(runtime, UUID(aid)) == {}
        assert await stored_records(runtime, UUID(deleted)) == {}
