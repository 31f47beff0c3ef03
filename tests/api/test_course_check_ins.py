"""Who may check in to a course's attendance, on real Redis and SQLite/PostgreSQL: the
students on its roster; anyone else is refused (403 ``not_enrolled``) with the attempt kept
for the teacher, who may accept it (a walk-in). A roster change while the attendance is
open reaches it at once, and the teacher's list says who has not checked in yet."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
import pytest

from attn.config import Settings
from attn.db import keys
from attn.db.sql import courses_repo
from attn.models import Role
from attn.models.types import utcnow
from attn.runtime import Runtime
from attn.services.courses import live_roster
from tests.api.test_course_attendances import course_of, start_for
from tests.fixtures.app import Account, MakeUser, error_code
from tests.helpers.attendance_api import check_in, persist, start, url
from tests.helpers.databases import BOTH_DATABASES, on_database
from tests.helpers.rosters import roster_events


@pytest.fixture(params=BOTH_DATABASES)
def app_settings(request: pytest.FixtureRequest, app_settings: Settings) -> Settings:
    return on_database(request, app_settings)


def roster_url(course: UUID, *parts: str) -> str:
    return "/".join([f"/api/v1/courses/{course}/roster", *parts])


async def records_of(api: httpx.AsyncClient, teacher: Account, aid: str) -> dict[str, Any]:
    response = await api.get(url(aid, "records"), headers=teacher.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def waiting(body: dict[str, Any]) -> list[str]:
    return [student["student_number"] for student in body["not_checked_in"]]


class TestWhoMayCheckIn:
    async def test_a_student_on_the_roster_checks_in(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user(Role.TEACHER, number="T1")
        s1 = await make_user(Role.STUDENT, number="S1")
        course = await course_of(runtime, "T1", "S1")
        aid = (await start_for(api, teacher, course)).json()["attendance_id"]
        checked = await check_in(api, s1, aid)
        assert checked.status_code == 201, checked.text
        assert checked.json()["status"] == "present"

    async def test_anyone_else_is_refused_and_the_teacher_sees_the_attempt(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user(Role.TEACHER, number="T1")
        await make_user(Role.STUDENT, number="S1", login=False)
        walk_in = await make_user(Role.STUDENT, number="S9", name="Zeynep Çelik")
        course = await course_of(runtime, "T1", "S1")
        aid = (await start_for(api, teacher, course)).json()["attendance_id"]

        refused = await check_in(api, walk_in, aid)
        assert (refused.status_code, error_code(refused)) == (403, "not_enrolled")
        assert refused.json()["error"]["details"]["attempt_recorded"] is True
        again = await check_in(api, walk_in, aid)
        assert (again.status_code, error_code(again)) == (403, "not_enrolled")

        listed = await records_of(api, teacher, aid)
        (attempt,) = listed["records"]
        assert attempt["student_number"] == "S9"
        assert (attempt["status"], attempt["fail_reason"]) == ("rejected", "not_enrolled")
        assert attempt["attempt_count"] == 2
        assert waiting(listed) == ["S1"]

        accepted = await api.post(url(aid, "records", "S9", "accept"), headers=teacher.headers)
        assert accepted.status_code == 200, accepted.text
        kept = await check_in(api, walk_in, aid)
        assert kept.status_code == 200, kept.text
        assert kept.json()["status"] == "present"

        await api.post(url(aid, "finish"), headers=teacher.headers)
        assert (await persist(runtime)).attendances == 1
        detail = await api.get(url(aid), headers=teacher.headers)
        statuses = {r["student_number"]: r["status"] for r in detail.json()["records"]}
        assert statuses == {"S9": "present", "S1": "absent"}

    async def test_a_refused_student_claims_no_phone(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user(Role.TEACHER, number="T1")
        s1 = await make_user(Role.STUDENT, number="S1")
        outsider = await make_user(Role.STUDENT, number="S9")
        course = await course_of(runtime, "T1", "S1")
        body = {"course_id": str(course), "duration_minutes": 60, "checks": {"device": True}}
        aid = (await api.post("/api/v1/attendances", json=body, headers=teacher.headers)).json()[
            "attendance_id"
        ]
        phone = {"X-Device-Id": "phone-of-s1-0001"}
        first = await api.post(url(aid, "check-in"), headers={**outsider.headers, **phone})
        assert error_code(first) == "not_enrolled"
        owner = await api.post(url(aid, "check-in"), headers={**s1.headers, **phone})
        assert owner.status_code == 201, owner.text
        assert owner.json()["status"] == "present"

    async def test_an_ad_hoc_attendance_takes_anyone(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user(Role.TEACHER, number="T1")
        s9 = await make_user(Role.STUDENT, number="S9")
        await make_user(Role.STUDENT, number="S1", login=False)
        await course_of(runtime, "T1", "S1")
        aid = (await start(api, teacher, checks={"code": False}))["attendance_id"]
        assert (await check_in(api, s9, aid)).status_code == 201
        listed = await records_of(api, teacher, aid)
        assert listed["not_checked_in"] is None


class TestRosterChangesDuringTheLesson:
    async def test_added_and_removed_students_count_at_once(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user(Role.TEACHER, number="T1")
        s1 = await make_user(Role.STUDENT, number="S1")
        s2 = await make_user(Role.STUDENT, number="S2", name="Ali Veli")
        course = await course_of(runtime, "T1", "S1")
        aid = (await start_for(api, teacher, course)).json()["attendance_id"]
        assert waiting(await records_of(api, teacher, aid)) == ["S1"]

        added = await api.post(
            roster_url(course), json={"student_number": "S2"}, headers=teacher.headers
        )
        assert added.status_code == 201, added.text
        assert waiting(await records_of(api, teacher, aid)) == ["S1", "S2"]
        assert (await check_in(api, s2, aid)).status_code == 201
        assert waiting(await records_of(api, teacher, aid)) == ["S1"]

        removed = await api.delete(roster_url(course, "S1"), headers=teacher.headers)
        assert removed.status_code == 204, removed.text
        refused = await check_in(api, s1, aid)
        assert (refused.status_code, error_code(refused)) == (403, "not_enrolled")
        assert waiting(await records_of(api, teacher, aid)) == []

        events = await roster_events(runtime.redis, aid)
        assert events == [
            {"added": [{"student_number": "S2", "full_name": "Ali Veli"}], "removed": [],
             "size": 2},
            {"added": [], "removed": ["S1"], "size": 1},
        ]  # fmt: skip

    async def test_an_imported_roster_is_admitted(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user(Role.TEACHER, number="T1")
        s3 = await make_user(Role.STUDENT, number="S3", name="Ayşe Yılmaz")
        course = await course_of(runtime, "T1")
        aid = (await start_for(api, teacher, course)).json()["attendance_id"]
        assert error_code(await check_in(api, s3, aid)) == "not_enrolled"
        csv = "student_number,full_name\nS3,Ayse Yilmaz\nS4,Mehmet Öz\n".encode()
        imported = await api.post(
            roster_url(course, "import"),
            content=csv,
            headers={**teacher.headers, "Content-Type": "text/csv"},
        )
        assert imported.status_code == 200, imported.text
        retried = await check_in(api, s3, aid)
        assert retried.status_code == 201, retried.text
        assert (retried.json()["status"], retried.json()["attempt_count"]) == ("present", 2)
        listed = await records_of(api, teacher, aid)
        # the directory's name, not the file's, for an existing account
        assert listed["not_checked_in"] == [{"student_number": "S4", "full_name": "Mehmet Öz"}]
        assert await runtime.redis_client.live_roster(aid) == {
            "S3": "Ayşe Yılmaz",
            "S4": "Mehmet Öz",
        }

    async def test_a_finished_attendance_keeps_its_copy(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user(Role.TEACHER, number="T1")
        await make_user(Role.STUDENT, number="S1", login=False)
        await make_user(Role.STUDENT, number="S2", login=False)
        course = await course_of(runtime, "T1", "S1")
        aid = (await start_for(api, teacher, course)).json()["attendance_id"]
        await api.post(url(aid, "finish"), headers=teacher.headers)
        added = await api.post(
            roster_url(course), json={"student_number": "S2"}, headers=teacher.headers
        )
        assert added.status_code == 201
        assert set(await runtime.redis_client.live_roster(aid)) == {"S1"}
        assert await roster_events(runtime.redis, aid) == []

    async def test_persistence_takes_the_copy_and_the_course_index_away(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user(Role.TEACHER, number="T1")
        await make_user(Role.STUDENT, number="S1", login=False)
        course = await course_of(runtime, "T1", "S1")
        aid = (await start_for(api, teacher, course)).json()["attendance_id"]
        assert await runtime.redis.sismember(keys.course_index(course), aid)
        await api.post(url(aid, "finish"), headers=teacher.headers)
        assert (await persist(runtime)).attendances == 1
        assert not await runtime.redis.exists(keys.roster(aid))
        assert not await runtime.redis.exists(keys.course_index(course))


class TestTheStartReadsTheRosterAgain:
    async def test_a_change_between_the_two_reads_is_caught(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        """A roster change committed after the start read the roster but before the lesson
        was in the course's index reached no copy: the second read mends it."""
        teacher = await make_user(Role.TEACHER, number="T1")
        s2 = await make_user(Role.STUDENT, number="S2", name="Ali Veli")
        await make_user(Role.STUDENT, number="S1", name="Can Kaya", login=False)
        course = await course_of(runtime, "T1", "S1")
        aid = (await start_for(api, teacher, course)).json()["attendance_id"]
        lesson = await runtime.redis_client.get_lesson(aid)
        assert lesson is not None
        async with runtime.sessionmaker() as session, session.begin():
            await courses_repo.unenrol(session, course, "S1", at=utcnow())
            await courses_repo.enrol(session, course, ["S2"], at=utcnow())
        stale = await runtime.redis_client.live_roster(aid)
        assert stale == {"S1": "Can Kaya"}

        await live_roster.recheck_roster(runtime.redis_client, runtime.sessionmaker, lesson, stale)
        assert await runtime.redis_client.live_roster(aid) == {"S2": "Ali Veli"}
        assert (await check_in(api, s2, aid)).status_code == 201
        events = await roster_events(runtime.redis, aid)
        assert events[-1]["removed"] == ["S1"]
