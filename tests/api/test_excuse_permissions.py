"""Every excuse endpoint for every role: 401 without a login; a student only asks and reads
their own (403 ``wrong_role`` on the staff's endpoints, ``not_your_excuse`` on another's
request); a teacher who teaches neither the attendance nor its course is refused
(``not_your_attendance``, ``not_your_course``, ``not_your_excuse``) and a teacher or admin
may not ask; the attendance's teacher, its course's other teacher and admins may. A refused
call changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from attn.db.sql.tables import AUDIT_LOG, EXCUSES
from attn.runtime import Runtime
from tests.fixtures.app import Account, MakeUser, error_code
from tests.helpers.excuses import Scene, as_pdf, ask, make_scene


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # {aid}, {course}, {excuse} filled in
    json: Any = None

    async def send(
        self, api: httpx.AsyncClient, who: Account | None, ids: dict[str, Any]
    ) -> httpx.Response:
        api.cookies.clear()
        headers = dict(who.headers) if who else {}
        return await api.request(
            self.method, self.path.format(**ids), json=self.json, headers=headers
        )

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


ATTENDANCE_LIST = Call("GET", "/api/v1/attendances/{aid}/excuses")
COURSE_LIST = Call("GET", "/api/v1/courses/{course}/excuses")
ONE = Call("GET", "/api/v1/excuses/{excuse}")
FILE = Call("GET", "/api/v1/excuses/{excuse}/file")
APPROVE = Call("POST", "/api/v1/excuses/{excuse}/approve", json={})
DECLINE = Call("POST", "/api/v1/excuses/{excuse}/decline", json={"reason": "Belge yok"})
MINE = Call("GET", "/api/v1/me/excuses")
ASK = Call("POST", "/api/v1/attendances/{aid}/excuses", json={"note": "Hastaydım"})
STAFF = [ATTENDANCE_LIST, COURSE_LIST, APPROVE, DECLINE]
EVERY = [*STAFF, ONE, FILE, MINE, ASK]


def ids(calls: list[Call]) -> list[Any]:
    return [pytest.param(call, id=str(call)) for call in calls]


@pytest.fixture
async def arranged(
    api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
) -> tuple[Scene, dict[str, Any]]:
    scene = await make_scene(runtime, make_user)
    response = await ask(api, scene.absent, scene.attendance_id, file=as_pdf())
    assert response.status_code == 201, response.text
    return scene, {
        "aid": scene.attendance_id,
        "course": scene.course_id,
        "excuse": response.json()["excuse_id"],
    }


async def state(runtime: Runtime) -> tuple[Any, ...]:
    async with runtime.sessionmaker() as session:
        rows = (await session.execute(select(EXCUSES.c.excuse_id, EXCUSES.c.status))).all()
        audit = await session.scalar(select(func.count()).select_from(AUDIT_LOG))
    return sorted(map(tuple, rows)), audit


class TestExcusePermissions:
    @pytest.mark.parametrize("call", ids(EVERY))
    async def test_no_login_is_401(
        self, api: httpx.AsyncClient, arranged: tuple[Scene, dict[str, Any]], call: Call
    ) -> None:
        response = await call.send(api, None, arranged[1])
        assert (response.status_code, error_code(response)) == (401, "unauthorized")

    @pytest.mark.parametrize("call", ids(STAFF))
    async def test_a_student_is_403_on_the_staffs_endpoints(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        arranged: tuple[Scene, dict[str, Any]],
        call: Call,
    ) -> None:
        before = await state(runtime)
        response = await call.send(api, arranged[0].absent, arranged[1])
        assert (response.status_code, error_code(response)) == (403, "wrong_role")
        assert await state(runtime) == before

    @pytest.mark.parametrize("call", ids([ONE, FILE]))
    async def test_another_student_may_not_read_it(
        self, api: httpx.AsyncClient, arranged: tuple[Scene, dict[str, Any]], call: Call
    ) -> None:
        response = await call.send(api, arranged[0].late, arranged[1])
        assert (response.status_code, error_code(response)) == (403, "not_your_excuse")

    @pytest.mark.parametrize(
        ("call", "code"),
        [
            (ATTENDANCE_LIST, "not_your_attendance"),
            (COURSE_LIST, "not_your_course"),
            (ONE, "not_your_excuse"),
            (FILE, "not_your_excuse"),
            (APPROVE, "not_your_excuse"),
            (DECLINE, "not_your_excuse"),
            (MINE, "wrong_role"),
            (ASK, "wrong_role"),
        ],
        ids=str,
    )
    async def test_a_teacher_of_neither_is_403_and_changes_nothing(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        arranged: tuple[Scene, dict[str, Any]],
        call: Call,
        code: str,
    ) -> None:
        before = await state(runtime)
        response = await call.send(api, arranged[0].other_teacher, arranged[1])
        assert (response.status_code, error_code(response)) == (403, code)
        assert await state(runtime) == before

    @pytest.mark.parametrize("role", ["admin", "teacher", "co_teacher"])
    @pytest.mark.parametrize("call", ids([MINE, ASK]))
    async def test_staff_may_not_ask_or_list_as_a_student(
        self, api: httpx.AsyncClient, arranged: tuple[Scene, dict[str, Any]], call: Call, role: str
    ) -> None:
        response = await call.send(api, getattr(arranged[0], role), arranged[1])
        assert (response.status_code, error_code(response)) == (403, "wrong_role")

    @pytest.mark.parametrize("role", ["admin", "teacher", "co_teacher"])
    @pytest.mark.parametrize(
        "call", ids([ATTENDANCE_LIST, COURSE_LIST, ONE, FILE, APPROVE, DECLINE])
    )
    async def test_its_teachers_and_admins_may(
        self, api: httpx.AsyncClient, arranged: tuple[Scene, dict[str, Any]], call: Call, role: str
    ) -> None:
        response = await call.send(api, getattr(arranged[0], role), arranged[1])
        assert response.status_code == 200, response.text

    @pytest.mark.parametrize("call", ids([ONE, FILE, MINE]))
    async def test_its_student_reads_it(
        self, api: httpx.AsyncClient, arranged: tuple[Scene, dict[str, Any]], call: Call
    ) -> None:
        response = await call.send(api, arranged[0].absent, arranged[1])
        assert response.status_code == 200, response.text
