"""Every course endpoint, for every role: 401 without a login; 403 ``wrong_role`` for a
student (and for a teacher on the admins' endpoints); 403 ``not_your_course`` for a teacher
of another course; 404 ``course_not_found`` for an unknown course and 422 for a malformed
id; and nothing changes (courses, roster, audit log) when a call is refused."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx
import pytest

from attn.db.sql import courses_repo, repository
from attn.models import Role
from attn.runtime import Runtime
from tests.fixtures.app import Account, MakeUser, error_code

COURSES = "/api/v1/courses"


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # ``{course}`` and ``{student}`` are filled in
    json: Any = None
    csv: bytes | None = None

    async def send(
        self, api: httpx.AsyncClient, who: Account | None, course: Any, student: str = "S1"
    ) -> httpx.Response:
        api.cookies.clear()
        headers = dict(who.headers) if who else {}
        content = None
        if self.csv is not None:
            headers["Content-Type"] = "text/csv"
            content = self.csv
        return await api.request(
            self.method,
            self.path.format(course=course, student=student),
            json=self.json,
            content=content,
            headers=headers,
        )

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


ADMINS_ON_ONE = [
    Call("PATCH", COURSES + "/{course}", json={"name": "Başka Ad"}),
    Call("PUT", COURSES + "/{course}/teachers", json={"teacher_numbers": ["T9"]}),
]
MANAGERS_ON_ONE = [
    Call("GET", COURSES + "/{course}"),
    Call("GET", COURSES + "/{course}/roster"),
    Call("POST", COURSES + "/{course}/roster", json={"student_number": "S7", "full_name": "Ali"}),
    Call("DELETE", COURSES + "/{course}/roster/{student}"),
    Call("POST", COURSES + "/{course}/roster/import", csv=b"S8,Veli Can\n"),
]
CREATE = Call("POST", COURSES, json={"code": "MAT101", "name": "Analiz", "term": "2026-güz"})
LIST = Call("GET", COURSES)
ON_ONE = [*ADMINS_ON_ONE, *MANAGERS_ON_ONE]
EVERY = [*ON_ONE, CREATE, LIST]


def ids(calls: list[Call]) -> list[Any]:
    return [pytest.param(call, id=str(call)) for call in calls]


@dataclass(frozen=True)
class Scene:
    admin: Account
    teacher: Account
    other_teacher: Account
    student: Account
    course: str


@pytest.fixture
async def scene(api: httpx.AsyncClient, make_user: MakeUser) -> Scene:
    """Course BIL203 taught by ``teacher``, with ``student`` (S1) on its roster."""
    admin = await make_user(Role.ADMIN)
    teacher = await make_user(Role.TEACHER, number="T1")
    await make_user(Role.TEACHER, number="T9", login=False)
    other = await make_user(Role.TEACHER, number="T2")
    student = await make_user(Role.STUDENT, number="S1")
    body = {"code": "BIL203", "name": "Veri Yapıları", "term": "2026-güz",
            "teacher_numbers": ["T1"]}  # fmt: skip
    created = await api.post(COURSES, json=body, headers=admin.headers)
    assert created.status_code == 201, created.text
    course = created.json()["course_id"]
    added = await api.post(
        f"{COURSES}/{course}/roster", json={"student_number": "S1"}, headers=teacher.headers
    )
    assert added.status_code == 201, added.text
    return Scene(admin, teacher, other, student, course)


async def state(runtime: Runtime) -> tuple[Any, ...]:
    """Every course with its teachers and roster, and the audit log's size."""
    async with runtime.sessionmaker() as session:
        found = await courses_repo.list_courses(session)
        rosters = [
            [e.student_number for e in await courses_repo.roster(session, c.course_id)]
            for c in found
        ]
        audit = (await repository.list_audit(session)).total
    return found, rosters, audit


class TestCoursePermissions:
    @pytest.mark.parametrize("call", ids(EVERY))
    async def test_no_login_is_401(self, api: httpx.AsyncClient, call: Call) -> None:
        response = await call.send(api, None, uuid4())
        assert (response.status_code, error_code(response)) == (401, "unauthorized")

    @pytest.mark.parametrize("call", ids(EVERY))
    async def test_a_student_is_403_and_changes_nothing(
        self, api: httpx.AsyncClient, runtime: Runtime, scene: Scene, call: Call
    ) -> None:
        before = await state(runtime)
        response = await call.send(api, scene.student, scene.course)
        assert (response.status_code, error_code(response)) == (403, "wrong_role")
        assert await state(runtime) == before

    @pytest.mark.parametrize("call", ids([*ADMINS_ON_ONE, CREATE]))
    async def test_a_teacher_of_the_course_may_not_do_the_admins_part(
        self, api: httpx.AsyncClient, runtime: Runtime, scene: Scene, call: Call
    ) -> None:
        before = await state(runtime)
        response = await call.send(api, scene.teacher, scene.course)
        assert (response.status_code, error_code(response)) == (403, "wrong_role")
        assert await state(runtime) == before

    @pytest.mark.parametrize("call", ids(MANAGERS_ON_ONE))
    async def test_a_teacher_of_another_course_is_403_and_changes_nothing(
        self, api: httpx.AsyncClient, runtime: Runtime, scene: Scene, call: Call
    ) -> None:
        before = await state(runtime)
        response = await call.send(api, scene.other_teacher, scene.course)
        assert (response.status_code, error_code(response)) == (403, "not_your_course")
        assert await state(runtime) == before

    @pytest.mark.parametrize("role", ["admin", "teacher"])
    @pytest.mark.parametrize("call", ids(MANAGERS_ON_ONE))
    async def test_its_teacher_and_admins_manage_it(
        self, api: httpx.AsyncClient, scene: Scene, call: Call, role: str
    ) -> None:
        who = scene.admin if role == "admin" else scene.teacher
        response = await call.send(api, who, scene.course)
        assert response.status_code in (200, 201, 204), response.text

    @pytest.mark.parametrize("call", ids(ADMINS_ON_ONE))
    async def test_admins_correct_it(
        self, api: httpx.AsyncClient, scene: Scene, call: Call
    ) -> None:
        response = await call.send(api, scene.admin, scene.course)
        assert response.status_code == 200, response.text

    @pytest.mark.parametrize(
        ("role", "call"),
        [
            *(pytest.param("admin", call, id=f"admin-{call}") for call in ON_ONE),
            *(pytest.param("teacher", call, id=f"teacher-{call}") for call in MANAGERS_ON_ONE),
        ],
    )
    async def test_an_unknown_course_is_404_for_staff(
        self, api: httpx.AsyncClient, runtime: Runtime, scene: Scene, call: Call, role: str
    ) -> None:
        who = scene.admin if role == "admin" else scene.teacher
        before = await state(runtime)
        response = await call.send(api, who, uuid4())
        assert (response.status_code, error_code(response)) == (404, "course_not_found")
        assert await state(runtime) == before

    @pytest.mark.parametrize("call", ids(ON_ONE))
    async def test_a_malformed_id_is_422(
        self, api: httpx.AsyncClient, scene: Scene, call: Call
    ) -> None:
        response = await call.send(api, scene.admin, "BIL203")
        assert (response.status_code, error_code(response)) == (422, "invalid_input")

    async def test_a_teacher_lists_only_their_courses(
        self, api: httpx.AsyncClient, scene: Scene
    ) -> None:
        own = await LIST.send(api, scene.teacher, None)
        assert [c["code"] for c in own.json()["items"]] == ["BIL203"]
        other = await LIST.send(api, scene.other_teacher, None)
        assert other.json()["items"] == []
        every = await LIST.send(api, scene.admin, None)
        assert [c["code"] for c in every.json()["items"]] == ["BIL203"]
