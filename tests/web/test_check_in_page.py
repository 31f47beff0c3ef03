"""The web check-in page behind the QR code: rendered, escaped, friendly when unknown."""

from __future__ import annotations

import re
from uuid import uuid4

import httpx

from attn.db import keys
from attn.runtime import Runtime
from tests.fixtures.checkin import QuickUser
from tests.helpers.attendance_api import persist, url
from tests.helpers.checkin_api import start_checked


def page(attendance_id: object, query: str = "") -> str:
    return f"/check-in/{attendance_id}{query}"


async def script_of(api: httpx.AsyncClient, html: str) -> str:
    """The page's own script: a versioned static file (the page has no inline script)."""
    found = re.search(r'<script src="(/static/[0-9a-f]{12}/js/check_in\.js)"', html)
    assert found, "the check-in page loads its script"
    response = await api.get(found.group(1))
    assert response.status_code == 200
    return response.text


class TestCheckInPage:
    async def test_shows_the_lesson_and_the_inputs_its_checks_need(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher = await quick_user("teacher", name="Ayşe Yılmaz")
        started = await start_checked(api, teacher, {"code": True}, lesson_name="Veri Yapıları")
        response = await api.get(page(started["attendance_id"], "?code=AB23CD"))
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        html = response.text
        assert "Veri Yapıları" in html
        assert "Ayşe Yılmaz" in html
        assert 'id="code"' in html
        assert 'type="file"' not in html  # no face check, no photo input
        assert f'data-attendance-id="{started["attendance_id"]}"' in html
        assert "X-Device-Id" in html
        script = await script_of(api, html)
        assert "localStorage" in script
        assert "AB23CD" not in html  # the code is read from the URL by the script only

    async def test_offers_to_remember_the_phone_and_resumes_with_it(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher = await quick_user("teacher")
        started = await start_checked(api, teacher, {}, lesson_name="Fizik")
        html = (await api.get(page(started["attendance_id"]))).text
        assert 'id="remember" name="remember" type="checkbox"' in html
        assert "Remember this phone" in html
        assert '"/auth/resume"' in await script_of(api, html)

    async def test_face_check_asks_for_a_photo(
        self, api: httpx.AsyncClient, runtime: Runtime, quick_user: QuickUser
    ) -> None:
        teacher = await quick_user("teacher")
        aid = (await start_checked(api, teacher, {"device": True}))["attendance_id"]
        lesson = await runtime.redis_client.get_lesson(aid)
        assert lesson is not None
        # Face needs a configured service to start; store the setting directly.
        lesson.checks.face = True
        await runtime.redis.set(keys.lesson(aid), lesson.to_json())
        html = (await api.get(page(aid))).text
        assert 'type="file"' in html
        assert 'capture="user"' in html
        assert 'id="code"' not in html

    async def test_everything_is_escaped(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher = await quick_user("teacher", name='Dr. "Quote" <b>Bold</b>')
        started = await start_checked(
            api, teacher, {}, lesson_name="<script>alert('x')</script> & Co"
        )
        html = (await api.get(page(started["attendance_id"]))).text
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co" in html
        assert "<b>Bold</b>" not in html
        assert "Dr. &#34;Quote&#34; &lt;b&gt;Bold&lt;/b&gt;" in html

    async def test_a_closed_attendance_says_so_without_a_form(
        self, api: httpx.AsyncClient, runtime: Runtime, quick_user: QuickUser
    ) -> None:
        teacher = await quick_user("teacher")
        aid = (await start_checked(api, teacher, {"code": True}))["attendance_id"]
        await api.post(url(aid, "finish"), headers=teacher.headers)
        await persist(runtime)
        response = await api.get(page(aid))
        assert response.status_code == 200
        assert "closed" in response.text
        assert 'id="check-in-form"' not in response.text
        assert 'id="login-form"' not in response.text
        assert "<script>" not in response.text

    async def test_unknown_or_malformed_ids_get_a_friendly_404(
        self, api: httpx.AsyncClient, runtime: Runtime, quick_user: QuickUser
    ) -> None:
        teacher = await quick_user("teacher")
        aid = (await start_checked(api, teacher, {}))["attendance_id"]
        deleted = await api.delete(url(aid), params={"reason": "test"}, headers=teacher.headers)
        assert deleted.status_code == 200, deleted.text
        for missing in (uuid4(), "not-a-uuid", aid):
            response = await api.get(page(missing))
            assert response.status_code == 404
            assert response.headers["content-type"].startswith("text/html")
            assert "Attendance not found" in response.text

    async def test_not_in_the_api_description(self, api: httpx.AsyncClient) -> None:
        paths = (await api.get("/openapi.json")).json()["paths"]
        assert not any(path.startswith("/check-in") for path in paths)
