"""Every report endpoint for every role: 401 without a login; a course's report (JSON, CSV,
XLSX) for its teachers and admins only (403 ``wrong_role`` for a student, 403
``not_your_course`` for a teacher of another course, 404 for an unknown course, 422 for a
malformed id); a student's report for the student (403 ``not_your_report`` for another
student), admins and the teachers of one of the student's courses."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

import httpx
import pytest

from attn.models import Role
from attn.runtime import Runtime
from tests.fixtures.app import Account, MakeUser, error_code
from tests.helpers.course_reports import scenario

COURSE_CALLS = ["/report", "/report.csv", "/report.csv?form=matrix&sep=semicolon&lang=tr",
                "/report.xlsx"]  # fmt: skip


@dataclass(frozen=True)
class Scene:
    admin: Account
    teacher: Account
    other_teacher: Account
    stranger_teacher: Account
    student: Account
    other_student: Account
    course: UUID


@pytest.fixture
async def scene(runtime: Runtime, make_user: MakeUser) -> Scene:
    """BIL203 taught by T1 with S1 and S2 on it; T2 teaches MAT101 (S1 on it); T3 teaches
    nothing."""
    admin = await make_user(Role.ADMIN)
    teacher = await make_user(Role.TEACHER, number="T1")
    other = await make_user(Role.TEACHER, number="T2")
    stranger = await make_user(Role.TEACHER, number="T3")
    student = await make_user(Role.STUDENT, number="S1")
    other_student = await make_user(Role.STUDENT, number="S2")
    history = await scenario(runtime, teacher, other)
    return Scene(admin, teacher, other, stranger, student, other_student, history.course_id)


async def get(api: httpx.AsyncClient, path: str, who: Account | None) -> httpx.Response:
    api.cookies.clear()
    return await api.get(path, headers=who.headers if who else {})


def course_path(course: object, suffix: str) -> str:
    return f"/api/v1/courses/{course}{suffix}"


class TestCourseReportPermissions:
    @pytest.mark.parametrize("suffix", COURSE_CALLS)
    async def test_no_login_is_401(self, api: httpx.AsyncClient, suffix: str) -> None:
        response = await get(api, course_path(uuid4(), suffix), None)
        assert (response.status_code, error_code(response)) == (401, "unauthorized")

    @pytest.mark.parametrize("suffix", COURSE_CALLS)
    async def test_a_student_is_403(
        self, api: httpx.AsyncClient, scene: Scene, suffix: str
    ) -> None:
        response = await get(api, course_path(scene.course, suffix), scene.student)
        assert (response.status_code, error_code(response)) == (403, "wrong_role")

    @pytest.mark.parametrize("suffix", COURSE_CALLS)
    async def test_a_teacher_of_another_course_is_403(
        self, api: httpx.AsyncClient, scene: Scene, suffix: str
    ) -> None:
        for who in (scene.other_teacher, scene.stranger_teacher):
            response = await get(api, course_path(scene.course, suffix), who)
            assert (response.status_code, error_code(response)) == (403, "not_your_course")

    @pytest.mark.parametrize("role", ["admin", "teacher"])
    @pytest.mark.parametrize("suffix", COURSE_CALLS)
    async def test_its_teacher_and_admins_get_it(
        self, api: httpx.AsyncClient, scene: Scene, suffix: str, role: str
    ) -> None:
        who = scene.admin if role == "admin" else scene.teacher
        response = await get(api, course_path(scene.course, suffix), who)
        assert response.status_code == 200, response.text
        unknown = await get(api, course_path(uuid4(), suffix), who)
        assert (unknown.status_code, error_code(unknown)) == (404, "course_not_found")

    @pytest.mark.parametrize("suffix", COURSE_CALLS)
    async def test_a_malformed_id_is_422(
        self, api: httpx.AsyncClient, scene: Scene, suffix: str
    ) -> None:
        response = await get(api, course_path("BIL203", suffix), scene.admin)
        assert (response.status_code, error_code(response)) == (422, "invalid_input")

    @pytest.mark.parametrize(
        "query", ["?form=wide", "?sep=tab", "?lang=de", "?form=long&sep=semicolon&lang=xx"]
    )
    async def test_a_bad_choice_is_422(
        self, api: httpx.AsyncClient, scene: Scene, query: str
    ) -> None:
        response = await get(api, course_path(scene.course, "/report.csv" + query), scene.admin)
        assert (response.status_code, error_code(response)) == (422, "invalid_input")


class TestStudentReportPermissions:
    async def test_no_login_is_401(self, api: httpx.AsyncClient) -> None:
        for path in ("/api/v1/students/S1/report", "/api/v1/me/report"):
            response = await get(api, path, None)
            assert (response.status_code, error_code(response)) == (401, "unauthorized")

    async def test_a_student_sees_only_their_own(
        self, api: httpx.AsyncClient, scene: Scene
    ) -> None:
        own = await get(api, "/api/v1/students/S1/report", scene.student)
        assert own.status_code == 200
        for number in ("S2", "S9", "T1"):  # another student, nobody, a teacher: all 403
            response = await get(api, f"/api/v1/students/{number}/report", scene.student)
            assert (response.status_code, error_code(response)) == (403, "not_your_report")

    async def test_teachers_of_one_of_the_courses_and_admins(
        self, api: httpx.AsyncClient, scene: Scene
    ) -> None:
        for who in (scene.teacher, scene.other_teacher, scene.admin):
            response = await get(api, "/api/v1/students/S1/report", who)
            assert response.status_code == 200, response.text
        # T2 teaches MAT101, where S2 is not; T3 teaches nothing.
        for who in (scene.other_teacher, scene.stranger_teacher):
            response = await get(api, "/api/v1/students/S2/report", who)
            assert (response.status_code, error_code(response)) == (403, "not_your_report")

    async def test_an_unknown_student_is_404_for_staff(
        self, api: httpx.AsyncClient, scene: Scene
    ) -> None:
        for who in (scene.teacher, scene.admin):
            response = await get(api, "/api/v1/students/S9/report", who)
            assert (response.status_code, error_code(response)) == (404, "user_not_found")
        bad = await get(api, "/api/v1/students/a%20b/report", scene.admin)
        assert (bad.status_code, error_code(bad)) == (422, "invalid_input")

    async def test_own_report_is_for_students(self, api: httpx.AsyncClient, scene: Scene) -> None:
        for who in (scene.teacher, scene.admin):
            response = await get(api, "/api/v1/me/report", who)
            assert (response.status_code, error_code(response)) == (403, "wrong_role")
