"""The course pages as a browser without JavaScript uses them: an admin creates a course and
names its teachers; a teacher sees "my courses", adds and removes students and imports a
roster CSV through its preview; errors in words next to the field, keeping what was typed;
another teacher's course, an unknown one and a student are refused with a page."""

from __future__ import annotations

import re

import httpx
import pytest

from attn.db.sql import courses_repo
from attn.models import Role
from attn.runtime import Runtime
from tests.fixtures.app import MakeUser
from tests.web.admin_pages import input_value, logged_in, main_text, post_form
from tests.web.test_auth_pages import SAME_ORIGIN, csrf_of, log_in

COURSE = {
    "code": "bil203",
    "name": "Veri Yapıları",
    "term": "2026-güz",
    "teacher_numbers": "T1",
    "late_weight_percent": "100",
    "threshold_percent": "70",
}


async def roster(runtime: Runtime) -> dict[str, list[str]]:
    async with runtime.sessionmaker() as session:
        found = {}
        for course in await courses_repo.list_courses(session):
            entries = await courses_repo.roster(session, course.course_id)
            found[course.code] = [entry.student_number for entry in entries]
        return found


async def create_course(api: httpx.AsyncClient, **changes: str) -> httpx.Response:
    return await post_form(api, "/admin/courses", "/admin/courses", {**COURSE, **changes})


@pytest.fixture
async def teachers(make_user: MakeUser) -> None:
    await make_user(Role.TEACHER, number="T1", name="Ayşe Yılmaz", login=False)
    await make_user(Role.TEACHER, number="T2", name="Can Demir", login=False)


class TestAdminCourses:
    async def test_create_then_name_the_teachers(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser, teachers: None
    ) -> None:
        await logged_in(api, make_user)
        created = await create_course(api)
        assert created.status_code == 303, created.text
        page_url = created.headers["location"]
        assert re.fullmatch(r"/courses/[0-9a-f-]{36}\?done=created", page_url)
        page = await api.get(page_url)
        text = main_text(page)
        assert "BIL203 · Veri Yapıları" in text
        assert "The course was created." in text
        assert "0 students on the roster." in text
        course_url = page_url.split("?")[0]
        moved = await post_form(
            api, course_url, course_url + "/teachers", {"teacher_numbers": "T2, T1"}
        )
        assert moved.headers["location"].endswith("?done=teachers")
        listing = main_text(await api.get("/admin/courses"))
        assert "BIL203 Veri Yapıları 2026-güz T1, T2 0" in listing

    async def test_bad_values_in_words_keeping_what_was_typed(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser, teachers: None
    ) -> None:
        await logged_in(api, make_user)
        bad = await create_course(api, code="BIL 203", threshold_percent="150", teacher_numbers="")
        assert bad.status_code == 422
        text = main_text(bad)
        assert "There is a problem" in text
        assert "Enter a code: up to 32 letters" in text
        assert "Enter a whole number from 0 to 100." in text
        assert input_value(bad, "name") == "Veri Yapıları"
        not_teacher = await create_course(api, teacher_numbers="T1 A0001")
        assert not_teacher.status_code == 422
        assert "Not a teacher's account: A0001" in main_text(not_teacher)
        assert await roster(runtime) == {}
        assert (await create_course(api)).status_code == 303
        taken = await create_course(api, code="BIL203")
        assert taken.status_code == 409
        assert "There is already a course with this code." in main_text(taken)


class TestTeacherRoster:
    async def test_my_courses_add_and_remove(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user(Role.TEACHER, number="T1", name="Ayşe Yılmaz", login=False)
        await make_user(Role.STUDENT, number="S1", name="Çiğdem Öztürk", login=False)
        await logged_in(api, make_user)
        course_url = (await create_course(api)).headers["location"].split("?")[0]
        api.cookies.clear()
        assert (await log_in(api, teacher)).status_code == 303

        mine = main_text(await api.get("/teacher/courses"))
        assert "My courses" in mine
        assert "BIL203 Veri Yapıları" in mine
        page = (await api.get(course_url)).text
        assert f'href="{course_url}/report">Attendance report</a>' in page
        added = await post_form(api, course_url, course_url + "/roster", {"student_number": "S1"})
        assert added.headers["location"].endswith("?done=added")
        new = await post_form(
            api, course_url, course_url + "/roster",
            {"student_number": "S2", "full_name": "İsmail Işık"},
        )  # fmt: skip
        assert new.status_code == 303
        page = main_text(await api.get(course_url))
        assert "2 students on the roster." in page
        assert "S1 Çiğdem Öztürk" in page
        assert "S2 İsmail Işık" in page

        again = await post_form(api, course_url, course_url + "/roster", {"student_number": "S1"})
        assert again.status_code == 409
        assert "This student is on the roster already." in main_text(again)
        nameless = await post_form(
            api, course_url, course_url + "/roster", {"student_number": "S3"}
        )
        assert nameless.status_code == 422
        assert "enter the student's full name" in main_text(nameless)
        assert input_value(nameless, "student_number") == "S3"

        removed = await post_form(api, course_url, course_url + "/roster/S1/remove")
        assert removed.headers["location"].endswith("?done=removed")
        assert await roster(runtime) == {"BIL203": ["S2"]}
        twice = await post_form(api, course_url, course_url + "/roster/S1/remove")
        assert twice.status_code == 404
        assert "<h1" in twice.text
        assert "application/json" not in twice.headers["content-type"]

    async def test_import_through_the_preview(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user(Role.TEACHER, number="T1", login=False)
        await make_user(Role.STUDENT, number="S1", name="Çiğdem Öztürk", login=False)
        await logged_in(api, make_user)
        course_url = (await create_course(api)).headers["location"].split("?")[0]
        api.cookies.clear()
        await log_in(api, teacher)

        bad = await upload(api, course_url, "S1,Ali\nS1,Ali\nT1,Ayşe\nS4\n")
        preview = await api.get(bad.headers["location"])
        text = main_text(preview)
        assert "The file has 3 problems." in text
        assert "Line 2 S1 This number is in the file twice." in text
        assert "Line 3 T1 This number is a teacher's or admin's account." in text
        assert "Line 4 S4 The line needs 2 columns" in text
        assert "Confirm the import" not in text

        good = await upload(api, course_url, "Öğrenci No,Ad Soyad\nS1,Cigdem Ozturk\nS2,Ali Veli\n")
        preview_url = good.headers["location"]
        text = main_text(await api.get(preview_url))
        assert "Nothing has been saved yet." in text
        assert (
            "Line 2 S1 Çiğdem Öztürk The account keeps its name; the file says Cigdem Ozturk. Enrol"
            in text
        )
        assert "Line 3 S2 Ali Veli New student, enrol" in text
        assert await roster(runtime) == {"BIL203": []}
        done = await post_form(api, preview_url, preview_url)
        assert done.status_code == 200
        assert "The roster was imported." in main_text(done)
        assert await roster(runtime) == {"BIL203": ["S1", "S2"]}
        twice = await post_form(api, course_url + "/import", preview_url)
        assert twice.status_code == 404
        assert "That preview is no longer there" in main_text(twice)


async def upload(api: httpx.AsyncClient, course_url: str, content: str) -> httpx.Response:
    page = await api.get(course_url + "/import")
    files = {"file": ("roster.csv", content.encode(), "text/csv")}
    response = await api.post(
        course_url + "/import", data={"csrf_token": csrf_of(page.text)}, files=files,
        headers=SAME_ORIGIN,
    )  # fmt: skip
    assert response.status_code == 303, response.text
    return response


class TestRefused:
    async def test_another_teacher_an_unknown_course_and_a_student(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser, teachers: None
    ) -> None:
        await logged_in(api, make_user)
        course_url = (await create_course(api)).headers["location"].split("?")[0]
        api.cookies.clear()
        other = await make_user(Role.TEACHER, number="T3", login=False)
        await log_in(api, other)
        for url in (course_url, course_url + "/import"):
            refused = await api.get(url)
            assert refused.status_code == 403
            assert "This course is not one of yours." in main_text(refused)
        unknown = await api.get("/courses/not-a-course")
        assert unknown.status_code == 404
        assert "There is no such course." in main_text(unknown)
        assert (await api.get("/admin/courses")).status_code == 403
        api.cookies.clear()
        student = await make_user(Role.STUDENT, number="S9", login=False)
        await log_in(api, student)
        assert (await api.get(course_url)).status_code == 403
        assert (await api.get("/teacher/courses")).status_code == 403

    async def test_a_cross_site_form_changes_nothing(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser, teachers: None
    ) -> None:
        await logged_in(api, make_user)
        course_url = (await create_course(api)).headers["location"].split("?")[0]
        page = await api.get(course_url)
        response = await api.post(
            course_url + "/roster",
            data={"csrf_token": csrf_of(page.text), "student_number": "S5", "full_name": "X Y"},
            headers={"Sec-Fetch-Site": "cross-site"},
        )
        assert response.status_code == 403
        forged = await api.post(
            course_url + "/roster",
            data={"csrf_token": "0" * 64, "student_number": "S5", "full_name": "X Y"},
            headers=SAME_ORIGIN,
        )
        assert forged.status_code == 403
        assert await roster(runtime) == {"BIL203": []}
