"""The courses repository on SQLite and PostgreSQL: codes, teachers, rosters as stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from attn.db.outcomes import CourseCodeTaken
from attn.db.sql import courses_repo as courses
from attn.db.sql import repository
from attn.db.sql.course_rows import CourseValues
from attn.models import Role

T0 = datetime(2026, 9, 14, 9, 0, tzinfo=UTC)
BIL203 = CourseValues(code="BIL203", name="Veri Yapıları", term="2026-güz")


async def users(session: AsyncSession, *numbers: str) -> None:
    for number in numbers:
        role = Role.TEACHER if number.startswith("T") else Role.STUDENT
        await repository.create_user(
            session, user_number=number, full_name=f"Kişi {number}", role=role, at=T0
        )


class TestCourses:
    async def test_create_get_and_the_defaults(self, session: AsyncSession) -> None:
        created = await courses.create_course(session, BIL203, at=T0)
        assert (created.late_weight_percent, created.threshold_percent) == (100, 70)
        found = await courses.get_course(session, created.course_id)
        assert found == created
        assert await courses.get_course_by_code(session, "BIL203") == created
        assert await courses.get_course_by_code(session, "BIL204") is None

    async def test_a_taken_code_is_refused_and_the_transaction_goes_on(
        self, session: AsyncSession
    ) -> None:
        first = await courses.create_course(session, BIL203, at=T0)
        with pytest.raises(CourseCodeTaken):
            await courses.create_course(session, BIL203, at=T0)
        other = await courses.create_course(
            session, CourseValues(code="FIZ101", name="Fizik", term="2026-güz"), at=T0
        )
        with pytest.raises(CourseCodeTaken):
            await courses.update_course(session, other.course_id, BIL203, at=T0)
        renamed = CourseValues(code="BIL203", name="Veri Yapıları II", term="2027-bahar")
        assert await courses.update_course(session, first.course_id, renamed, at=T0)
        assert [c.name for c in await courses.list_courses(session)] == [
            "Veri Yapıları II",
            "Fizik",
        ]

    async def test_teachers_are_set_as_a_whole(self, session: AsyncSession) -> None:
        await users(session, "T1", "T2", "T3")
        course = await courses.create_course(session, BIL203, at=T0)
        assert await courses.set_teachers(session, course.course_id, ["T2", "T1"], at=T0) == (
            ["T1", "T2"],
            [],
        )
        assert await courses.set_teachers(session, course.course_id, ["T3", "T2"], at=T0) == (
            ["T3"],
            ["T1"],
        )
        found = await courses.get_course(session, course.course_id)
        assert found is not None
        assert found.teacher_numbers == ("T2", "T3")
        assert await courses.is_teacher_of(session, course.course_id, "T3")
        assert not await courses.is_teacher_of(session, course.course_id, "T1")
        assert [c.code for c in await courses.list_courses(session, teacher_number="T1")] == []
        assert [c.code for c in await courses.list_courses(session, teacher_number="T2")] == [
            "BIL203"
        ]


class TestRoster:
    async def test_stays_answer_the_roster_at_any_instant(self, session: AsyncSession) -> None:
        await users(session, "S1", "S2", "S3")
        course = (await courses.create_course(session, BIL203, at=T0)).course_id
        assert await courses.enrol(session, course, ["S2", "S1", "S1"], at=T0) == ["S1", "S2"]
        assert await courses.enrol(session, course, ["S1", "S3"], at=T0 + timedelta(days=1)) == [
            "S3"
        ]
        assert await courses.unenrol(session, course, "S1", at=T0 + timedelta(days=2))
        assert not await courses.unenrol(session, course, "S1", at=T0 + timedelta(days=2))
        assert await courses.enrol(session, course, ["S1"], at=T0 + timedelta(days=4)) == ["S1"]

        def numbers(at: datetime | None) -> list[str]:
            return [entry.student_number for entry in roster_at[at]]

        roster_at = {
            at: await courses.roster(session, course, at=at)
            for at in (
                None,
                T0 - timedelta(seconds=1),
                T0,
                T0 + timedelta(days=1, hours=1),
                T0 + timedelta(days=3),
            )
        }
        assert numbers(None) == ["S1", "S2", "S3"]
        assert numbers(T0 - timedelta(seconds=1)) == []
        assert numbers(T0) == ["S1", "S2"]
        assert numbers(T0 + timedelta(days=1, hours=1)) == ["S1", "S2", "S3"]
        assert numbers(T0 + timedelta(days=3)) == ["S2", "S3"]
        assert roster_at[None][0].full_name == "Kişi S1"
        assert roster_at[None][0].enrolled_at == T0 + timedelta(days=4)
        assert await courses.enrolled_numbers(session, course, ["S1", "S9", "S3"]) == {"S1", "S3"}
        found = await courses.get_course(session, course)
        assert found is not None
        assert found.enrolled == 3
