"""The projector: the QR code and code in force, the count, the time left, the refresh of
the page without its script, and the code feed its script asks at every code step."""

from __future__ import annotations

import base64
import re
from uuid import uuid4

import httpx
import pytest

from attn.runtime import Runtime
from tests.fixtures.app import Account, MakeUser
from tests.fixtures.checkin import QuickUser
from tests.helpers.attendance_api import check_in, persist, start, url
from tests.helpers.checkin_api import check_in as check_in_with
from tests.helpers.checkin_api import current_code
from tests.web.live_pages import browse_as, main_of, projector, script_data


async def arranged(
    api: httpx.AsyncClient, quick_user: QuickUser, checks: dict[str, bool] | None = None
) -> tuple[Account, str]:
    teacher = await quick_user("teacher", name="Ayşe Yılmaz")
    body = {"lesson_name": "Veri Yapıları", "checks": checks or {"code": True}}
    aid = (await start(api, teacher, **body))["attendance_id"]
    browse_as(api, teacher)
    return teacher, aid


def qr_svg(html: str) -> str:
    found = re.search(r'<img id="qr" src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', html)
    assert found, "the projector shows the QR code as an image"
    return base64.b64decode(found.group(1)).decode()


class TestProjector:
    async def test_shows_the_code_in_force_its_qr_code_and_the_count(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher, aid = await arranged(api, quick_user)
        code = await current_code(api, teacher, aid)
        student, wrong = await quick_user("student"), await quick_user("student")
        assert (await check_in_with(api, student, aid, code=code)).status_code == 201
        refused = await check_in_with(api, wrong, aid, code="ZZZZZZ")
        assert refused.json()["status"] == "rejected"
        response = await api.get(projector(aid))
        assert response.status_code == 200
        html = response.text
        assert "<h1>Veri Yapıları</h1>" in html
        assert "Ayşe Yılmaz" in html
        assert f'<p class="code" id="code">{code}</p>' in html
        assert "<svg" in qr_svg(html)
        assert '<dd id="count">1</dd>' in html, "the rejected attempt is not counted"
        data = script_data(html, "projector-data")
        assert data["checked_in"] == [student.user_number]
        assert 0 < data["seconds_until_change"] <= 15
        assert 3500 < data["seconds_left"] <= 3600
        assert data["last_event_id"] != "0-0"
        assert 'class="site-header"' not in html, "nothing but the lesson on the screen"

    async def test_without_the_script_the_page_reloads_when_the_code_changes(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        _teacher, aid = await arranged(api, quick_user)
        html = (await api.get(projector(aid))).text
        found = re.search(r'<noscript><meta http-equiv="refresh" content="(\d+)"></noscript>', html)
        assert found
        assert 1 <= int(found.group(1)) <= 15 + 1

    async def test_the_code_feed_gives_the_code_and_the_seconds_left(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher, aid = await arranged(api, quick_user)
        response = await api.get(projector(aid, "code"))
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        shown = response.json()
        assert shown["code"] == await current_code(api, teacher, aid)
        assert shown["checkin_url"].endswith(f"/check-in/{aid}?code={shown['code']}")
        assert shown["qr"].startswith("data:image/svg+xml;base64,")
        assert 0 < shown["seconds_until_change"] <= 15
        assert 3500 < shown["seconds_left"] <= 3600

    async def test_without_the_code_check_the_qr_code_is_the_plain_link(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        _teacher, aid = await arranged(api, quick_user, checks={"code": False})
        html = (await api.get(projector(aid))).text
        assert 'id="code"' not in html
        assert f"/check-in/{aid}</p>" in html
        assert 'content="60"' in html
        shown = (await api.get(projector(aid, "code"))).json()
        assert shown["code"] is None
        assert shown["seconds_until_change"] is None

    async def test_a_closed_attendance_shows_its_count_and_no_code(
        self, api: httpx.AsyncClient, quick_user: QuickUser, runtime: Runtime
    ) -> None:
        teacher, aid = await arranged(api, quick_user, checks={"code": False})
        assert (await check_in(api, await quick_user("student"), aid)).status_code == 201
        assert (await api.post(url(aid, "finish"), headers=teacher.headers)).status_code == 200
        for stored in (False, True):
            if stored:
                await persist(runtime)
            html = (await api.get(projector(aid))).text
            main = main_of(html)
            assert "Check-in is closed." in main
            assert '<dd id="count">1</dd>' in main
            assert "<img" not in main
            assert "http-equiv" not in html
        feed = await api.get(projector(aid, "code"))
        assert feed.status_code == 409, "the script reloads on a refusal"

    async def test_another_teacher_gets_the_403_page_and_no_code(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        _teacher, aid = await arranged(api, quick_user)
        browse_as(api, await quick_user("teacher"))
        for path in (projector(aid), projector(aid, "code")):
            response = await api.get(path)
            assert response.status_code == 403
            assert "This attendance belongs to another teacher." in response.text

    @pytest.mark.parametrize("attendance_id", [str(uuid4()), "nope"])
    async def test_an_unknown_attendance_is_the_404_page(
        self, api: httpx.AsyncClient, quick_user: QuickUser, attendance_id: str
    ) -> None:
        browse_as(api, await quick_user("teacher"))
        for path in (projector(attendance_id), projector(attendance_id, "code")):
            assert (await api.get(path)).status_code == 404

    async def test_a_student_may_not_open_it(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        _teacher, aid = await arranged(api, quick_user)
        browse_as(api, await quick_user("student"))
        assert (await api.get(projector(aid))).status_code == 403
        api.cookies.clear()
        assert (await api.get(projector(aid))).status_code == 303


async def test_a_course_attendance_shows_how_many_are_on_its_roster(
    api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser, quick_user: QuickUser
) -> None:
    from tests.api.test_course_attendances import course_of, start_for

    teacher = await make_user("teacher")
    students = [await make_user("student", login=False) for _ in range(3)]
    course = await course_of(runtime, teacher.user_number, *(s.user_number for s in students))
    aid = (await start_for(api, teacher, course)).json()["attendance_id"]
    browse_as(api, teacher)
    html = (await api.get(projector(aid))).text
    assert '<dd id="count">0</dd>' in html
    assert '<dd id="on-roster">3</dd>' in html
    _teacher, ad_hoc = await arranged(api, quick_user)
    assert 'id="on-roster"' not in (await api.get(projector(ad_hoc))).text
