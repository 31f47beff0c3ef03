"""Who opens and corrects a stored attendance of a course on the API (the pages:
tests/web/test_co_teacher_pages.py): its
own teacher, a co-teacher (another teacher of its course), an admin may; another teacher and
a student may not; removing it stays its own teacher's (or an admin's). An ad-hoc
attendance (no course) is its teacher's alone."""

from __future__ import annotations

from uuid import UUID

import httpx
import pytest

from attn.runtime import Runtime
from tests.fixtures.app import Account, MakeUser, error_code
from tests.helpers.excuses import Scene, make_scene

ALLOWED = ["teacher", "co_teacher", "admin"]
REFUSED = {"other_teacher": "not_your_attendance", "absent": "wrong_role"}


@pytest.fixture
async def scene(runtime: Runtime, make_user: MakeUser) -> Scene:
    return await make_scene(runtime, make_user)


def api_url(aid: UUID, *parts: str) -> str:
    return "/".join([f"/api/v1/attendances/{aid}", *parts])


async def status_of(api: httpx.AsyncClient, scene: Scene, student: str) -> str:
    response = await api.get(api_url(scene.attendance_id), headers=scene.admin.headers)
    assert response.status_code == 200, response.text
    return str(
        next(r["status"] for r in response.json()["records"] if r["student_number"] == student)
    )


class TestApi:
    @pytest.mark.parametrize("who", ALLOWED)
    async def test_reads_and_corrects(self, api: httpx.AsyncClient, scene: Scene, who: str) -> None:
        account: Account = getattr(scene, who)
        opened = await api.get(api_url(scene.attendance_id), headers=account.headers)
        assert opened.status_code == 200, opened.text
        assert {r["student_number"] for r in opened.json()["records"]} == {"S1", "S2", "S5"}
        records = await api.get(api_url(scene.attendance_id, "records"), headers=account.headers)
        assert records.status_code == 200, records.text
        body = {"status": "present", "reason": "Came; the code had expired"}
        saved = await api.put(
            api_url(scene.attendance_id, "records", "S1"), json=body, headers=account.headers
        )
        assert saved.status_code == 200, saved.text
        assert await status_of(api, scene, "S1") == "present"

    @pytest.mark.parametrize("who", list(REFUSED))
    async def test_others_are_refused_and_nothing_changes(
        self, api: httpx.AsyncClient, scene: Scene, who: str
    ) -> None:
        account: Account = getattr(scene, who)
        code = REFUSED[who]
        opened = await api.get(api_url(scene.attendance_id), headers=account.headers)
        assert (opened.status_code, error_code(opened)) == (403, code)
        body = {"status": "present", "reason": "Came"}
        saved = await api.put(
            api_url(scene.attendance_id, "records", "S1"), json=body, headers=account.headers
        )
        assert (saved.status_code, error_code(saved)) == (403, code)
        assert await status_of(api, scene, "S1") == "absent"

    async def test_a_co_teacher_may_not_delete_it_its_teacher_may(
        self, api: httpx.AsyncClient, scene: Scene
    ) -> None:
        url = api_url(scene.attendance_id)
        body = {"reason": "Wrong lesson"}
        refused = await api.request("DELETE", url, json=body, headers=scene.co_teacher.headers)
        assert (refused.status_code, error_code(refused)) == (403, "not_your_attendance")
        still = await api.get(url, headers=scene.teacher.headers)
        assert still.json()["deleted_at"] is None
        deleted = await api.request("DELETE", url, json=body, headers=scene.teacher.headers)
        assert deleted.status_code == 200, deleted.text

    async def test_an_ad_hoc_attendance_is_its_teachers_alone(
        self, api: httpx.AsyncClient, scene: Scene
    ) -> None:
        url = api_url(scene.adhoc_id)
        refused = await api.get(url, headers=scene.co_teacher.headers)
        assert (refused.status_code, error_code(refused)) == (403, "not_your_attendance")
        assert (await api.get(url, headers=scene.teacher.headers)).status_code == 200
