"""Starting a course's attendance from the teacher's home (the form without JavaScript):
the teacher picks one of their courses or none, an empty lesson name becomes the course's,
a course that is not theirs is refused at its field in words (English and Turkish), and the
attendance's pages show the course's code."""

from __future__ import annotations

import re
from uuid import UUID, uuid4

import httpx
import pytest

from attn.config import Settings
from attn.db.sql import courses_repo
from attn.db.sql.course_rows import CourseValues
from attn.models import LessonRedis
from attn.models.types import utcnow
from attn.runtime import Runtime
from tests.fixtures.app import Account, MakeUser
from tests.helpers.databases import BOTH_DATABASES, on_database
from tests.helpers.pages import main_text, page_login, post_form
from tests.helpers.stored import store_attendance
from tests.web.test_teacher_home import START, start_form, started


@pytest.fixture(params=BOTH_DATABASES)
def app_settings(request: pytest.FixtureRequest, app_settings: Settings) -> Settings:
    return on_database(request, app_settings)


async def make_course(runtime: Runtime, code: str, name: str, teachers: list[str]) -> UUID:
    async with runtime.sessionmaker() as session, session.begin():
        values = CourseValues(code=code, name=name, term="2026-güz")
        course = await courses_repo.create_course(session, values, at=utcnow())
        await courses_repo.set_teachers(session, course.course_id, teachers, at=utcnow())
    return course.course_id


@pytest.fixture
async def teacher(api: httpx.AsyncClient, make_user: MakeUser) -> Account:
    account = await make_user("teacher", number="T1", name="Ayşe Yılmaz")
    await make_user("teacher", number="T2", name="Can Demir")
    await page_login(api, account)
    return account


@pytest.fixture
async def courses(runtime: Runtime, teacher: Account) -> dict[str, UUID]:
    return {
        "BIL203": await make_course(runtime, "BIL203", "Veri Yapıları", ["T1"]),
        "FIZ101": await make_course(runtime, "FIZ101", "Fizik I", ["T2"]),
    }


def options(page: str) -> list[tuple[str, str]]:
    """The course select's options: (value, text)."""
    select = page.split('<select id="course_id"', 1)[1].split("</select>", 1)[0]
    return [
        (v, " ".join(t.split())) for v, t in re.findall(r'value="([^"]*)"[^>]*>([^<]*)', select)
    ]


async def start_from_form(
    api: httpx.AsyncClient, runtime: Runtime, form: dict[str, str]
) -> tuple[UUID, LessonRedis]:
    """Post the start form as the home's page would; the attendance it started."""
    aid = await started(runtime, await post_form(api, START, form, token_from="/teacher"))
    lesson = await runtime.redis_client.get_lesson(aid)
    assert lesson is not None
    return aid, lesson


class TestForm:
    async def test_offers_the_teachers_own_courses_and_no_course(
        self, api: httpx.AsyncClient, courses: dict[str, UUID]
    ) -> None:
        page = await api.get("/teacher")
        assert options(page.text) == [
            ("", "No course (a one-off attendance)"),
            (str(courses["BIL203"]), "BIL203 · Veri Yapıları (2026-güz)"),
        ]
        assert 'data-name="Veri Yapıları"' in page.text  # what the script fills in

    async def test_a_teacher_without_courses_gets_no_course_field(
        self, api: httpx.AsyncClient, teacher: Account
    ) -> None:
        page = await api.get("/teacher")
        assert 'id="course_id"' not in page.text
        assert 'id="lesson_name" name="lesson_name" type="text" value="" required' in page.text


class TestStart:
    @pytest.mark.parametrize(
        ("typed", "name"),
        [
            ("", "Veri Yapıları"),
            ("  ", "Veri Yapıları"),
            ("Ara sınav tekrarı", "Ara sınav tekrarı"),
        ],
        ids=["empty", "blank", "typed"],
    )
    async def test_an_empty_name_is_the_courses_and_its_pages_show_the_code(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        courses: dict[str, UUID],
        typed: str,
        name: str,
    ) -> None:
        form = start_form(lesson_name=typed, course_id=str(courses["BIL203"]))
        aid, lesson = await start_from_form(api, runtime, form)
        assert (lesson.lesson_name, lesson.course_id) == (name, courses["BIL203"])
        tag = '<span class="course-code">BIL203</span>'
        for url in ("/teacher", f"{START}/{aid}/projector", f"{START}/{aid}/live"):
            page = await api.get(url)
            assert page.status_code == 200, url
            assert tag in page.text, url

    async def test_no_course_is_an_ad_hoc_attendance_that_needs_a_name(
        self, api: httpx.AsyncClient, runtime: Runtime, courses: dict[str, UUID]
    ) -> None:
        refused = await post_form(
            api, START, start_form(lesson_name="", course_id=""), token_from="/teacher"
        )
        assert refused.status_code == 422
        assert "Enter the lesson name" in main_text(refused.text)
        form = start_form(lesson_name="Seminer", course_id="")
        aid, lesson = await start_from_form(api, runtime, form)
        assert (lesson.lesson_name, lesson.course_id) == ("Seminer", None)
        assert "course-code" not in (await api.get(f"{START}/{aid}/projector")).text

    @pytest.mark.parametrize(
        ("language", "words"),
        [
            ("en", "That course is not one of yours: choose one of the courses you teach"),
            ("tr", "Bu ders sizin dersleriniz arasında değil"),
        ],
    )
    async def test_another_teachers_course_is_refused_at_its_field(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        teacher: Account,
        courses: dict[str, UUID],
        language: str,
        words: str,
    ) -> None:
        api.cookies.set("attn_lang", language)
        form = start_form(lesson_name="Fizik", course_id=str(courses["FIZ101"]))
        response = await post_form(api, START, form, token_from="/teacher")
        assert response.status_code == 403
        text = main_text(response.text)
        assert text.count(words) == 2  # in the summary and at the field
        assert 'href="#course_id"' in response.text
        assert 'value="Fizik"' in response.text  # what was typed is kept
        assert await runtime.redis_client.teacher_lessons(teacher.user_number) == []

    @pytest.mark.parametrize(
        ("course_id", "status", "words"),
        [
            (str(uuid4()), 404, "That course does not exist"),
            ("not-a-course", 422, "Choose one of the courses you teach"),
        ],
        ids=["unknown", "malformed"],
    )
    async def test_an_unknown_or_malformed_course_is_said_at_its_field(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        teacher: Account,
        courses: dict[str, UUID],
        course_id: str,
        status: int,
        words: str,
    ) -> None:
        form = start_form(course_id=course_id)
        response = await post_form(api, START, form, token_from="/teacher")
        assert response.status_code == status
        assert main_text(response.text).count(words) == 2
        assert await runtime.redis_client.teacher_lessons(teacher.user_number) == []


class TestStoredPages:
    async def test_the_history_and_the_past_page_show_the_code(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        teacher: Account,
        courses: dict[str, UUID],
    ) -> None:
        aid = await store_attendance(runtime, teacher, course_id=courses["BIL203"])
        adhoc = await store_attendance(runtime, teacher, lesson_name="Seminer")
        tag = '<span class="course-code">BIL203</span>'
        home = await api.get("/teacher")
        history = home.text.split('id="history"', 1)[1]
        assert history.count(tag) == 1
        assert f'{tag} <a href="{START}/{aid}">' in history
        assert f'<td><a href="{START}/{adhoc}">' in history  # ad hoc: no code
        assert tag in (await api.get(f"{START}/{aid}")).text
        assert "course-code" not in (await api.get(f"{START}/{adhoc}")).text
