"""The past attendance page of a course's stored attendance: its teacher, a co-teacher (a
teacher of its course) and an admin open it and may correct a record; another teacher and a
student get the refusal page."""

from __future__ import annotations

import httpx
import pytest

from attn.runtime import Runtime
from tests.api.test_co_teacher_access import status_of
from tests.fixtures.app import Account, MakeUser
from tests.helpers.excuses import Scene, make_scene
from tests.web.test_auth_pages import SAME_ORIGIN, csrf_of, log_in


@pytest.fixture
async def scene(runtime: Runtime, make_user: MakeUser) -> Scene:
    return await make_scene(runtime, make_user)


class TestPages:
    @pytest.mark.parametrize(
        ("who", "status"),
        [("teacher", 200), ("co_teacher", 200), ("admin", 200), ("other_teacher", 403),
         ("absent", 403)],
    )  # fmt: skip
    async def test_the_past_attendance_page(
        self, api: httpx.AsyncClient, scene: Scene, who: str, status: int
    ) -> None:
        account: Account = getattr(scene, who)
        assert (await log_in(api, account)).status_code == 303
        page = await api.get(f"/teacher/attendances/{scene.attendance_id}")
        assert page.status_code == status, page.text
        record_link = f"/teacher/attendances/{scene.attendance_id}/records/S2"
        assert (record_link in page.text) is (status == 200)
        deletion = f"/teacher/attendances/{scene.attendance_id}/delete"
        assert (deletion in page.text) is (who in ("teacher", "admin"))  # not a co-teacher's

    async def test_a_co_teacher_corrects_a_record_from_its_page(
        self, api: httpx.AsyncClient, scene: Scene
    ) -> None:
        assert (await log_in(api, scene.co_teacher)).status_code == 303
        url = f"/teacher/attendances/{scene.attendance_id}/records/S1"
        form = await api.get(url)
        assert form.status_code == 200, form.text
        data = {"csrf_token": csrf_of(form.text), "status": "excused", "reason": "Had a report"}
        saved = await api.post(url, data=data, headers=SAME_ORIGIN)
        assert saved.status_code == 303, saved.text
        assert await status_of(api, scene, "S1") == "excused"
