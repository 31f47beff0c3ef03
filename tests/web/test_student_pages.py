"""The student's pages: the own history (``/student``), finding an open attendance
(``/check-in``), and the check-in page's words in the viewer's language.

Played as a browser would, on the real app with real Redis and SQL; the session is the
student's cookie (a quick session, no password hashing). tests/browser plays the same
with Chromium.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from attn.config import Settings
from attn.models.types import utcnow
from attn.runtime import Runtime
from attn.web import student
from attn.web.check_in_words import ERROR_CODES
from tests.fixtures.app import Account
from tests.fixtures.checkin import QuickUser
from tests.helpers.attendance_api import arrange_lesson, persist, url
from tests.helpers.checkin_api import check_in, current_code, start_checked, wrong

TURKISH = {"Accept-Language": "tr"}
SCRIPT = Path(__file__).parents[2] / "src/attn/web/static/js/check_in.js"


def as_viewer(api: httpx.AsyncClient, account: Account) -> None:
    """The pages read the session from its cookie, as after the login page."""
    api.cookies.set("attn_session", account.token)


def main_of(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def local_time(moment: str, settings: Settings) -> str:
    """A UTC instant of the API as the Turkish pages show it (the installation's zone)."""
    at = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return at.astimezone(ZoneInfo(str(settings.zone))).strftime("%H:%M")


class TestAccess:
    @pytest.mark.parametrize("path", ["/student", "/check-in", "/check-in?lesson_name=fizik"])
    async def test_nobody_is_sent_to_log_in_and_back(
        self, api: httpx.AsyncClient, path: str
    ) -> None:
        response = await api.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=%2F")

    @pytest.mark.parametrize("path", ["/student", "/check-in"])
    @pytest.mark.parametrize("role", ["teacher", "admin"])
    async def test_other_roles_get_the_403_page(
        self, api: httpx.AsyncClient, quick_user: QuickUser, path: str, role: str
    ) -> None:
        as_viewer(api, await quick_user(role))
        response = await api.get(path, headers=TURKISH)
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
        assert "Bu sayfa sizin rolünüz için değil." in response.text


class TestHistory:
    async def test_live_and_stored_records_in_words_and_local_time(
        self,
        api: httpx.AsyncClient,
        app_settings: Settings,
        runtime: Runtime,
        quick_user: QuickUser,
    ) -> None:
        me = await quick_user("student")
        first, second = await quick_user("teacher"), await quick_user("teacher")
        stored = await start_checked(api, first, {"code": True}, lesson_name="Fizik <1>")
        code = await current_code(api, first, stored["attendance_id"])
        await check_in(api, me, stored["attendance_id"], code=wrong(code))
        await api.post(url(stored["attendance_id"], "finish"), headers=first.headers)
        await persist(runtime)
        live = await start_checked(api, second, {}, lesson_name="Veri Yapıları")
        await check_in(api, me, live["attendance_id"])
        as_viewer(api, me)

        response = await api.get("/student", headers=TURKISH)
        assert response.status_code == 200
        html = main_of(response.text)
        assert html.index("Veri Yapıları") < html.index("Fizik &lt;1&gt;"), "live ones first"
        assert '<span class="badge present">Var</span>' in html
        assert '<span class="badge rejected">Reddedildi</span>' in html
        assert "Kod yanlış veya süresi dolmuş." in html
        assert local_time(live["starts_at"], app_settings) in html
        assert f'href="/check-in/{live["attendance_id"]}"' in html, "the open one links on"
        assert f'href="/check-in/{stored["attendance_id"]}"' not in html
        assert 'href="/check-in"' in html

    async def test_a_page_at_a_time(
        self, api: httpx.AsyncClient, quick_user: QuickUser, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(student, "PAGE_SIZE", 1)
        me = await quick_user("student")
        for lesson in ("Fizik", "Kimya"):
            started = await start_checked(api, await quick_user("teacher"), {}, lesson_name=lesson)
            await check_in(api, me, started["attendance_id"])
        as_viewer(api, me)
        first = main_of((await api.get("/student")).text)
        second = main_of((await api.get("/student?page=2")).text)
        assert ("Fizik" in first) != ("Fizik" in second)
        assert ("Kimya" in first) != ("Kimya" in second)
        assert 'href="/student?page=2" rel="next"' in first
        assert "Page 1 of 2" in first
        assert 'href="/student?page=1" rel="prev"' in second
        assert 'rel="next"' not in second
        beyond = main_of((await api.get("/student?page=3")).text)
        assert "There is nothing on this page." in beyond

    async def test_nothing_yet(self, api: httpx.AsyncClient, quick_user: QuickUser) -> None:
        as_viewer(api, await quick_user("student"))
        html = main_of((await api.get("/student")).text)
        assert "You have not checked in to any lesson yet." in html
        assert "<table" not in html

    @pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "99999999999", ""])
    async def test_a_bad_page_number_is_a_page_not_a_500(
        self, api: httpx.AsyncClient, quick_user: QuickUser, page: str
    ) -> None:
        as_viewer(api, await quick_user("student"))
        response = await api.get("/student", params={"page": page})
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("text/html")
        assert "Some of what you entered is not valid." in response.text


class TestFind:
    async def test_finds_open_attendances_forgivingly_and_links_to_their_page(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher = await quick_user("teacher", name="Ayşe Yılmaz")
        open_one = await start_checked(api, teacher, {"code": True}, lesson_name="Veri <Yapıları>")
        finished_teacher = await quick_user("teacher", name="Ayşe Yılmaz")
        finished = await start_checked(api, finished_teacher, {}, lesson_name="Veri Yapıları 2")
        await api.post(url(finished["attendance_id"], "finish"), headers=finished_teacher.headers)
        as_viewer(api, await quick_user("student"))

        response = await api.get("/check-in", params={"teacher_name": "AYSE yilmaz"})
        assert response.status_code == 200
        html = main_of(response.text)
        assert "1 open attendance" in html
        assert "Veri &lt;Yapıları&gt;" in html
        assert "<Yapıları>" not in html
        assert f'href="/check-in/{open_one["attendance_id"]}"' in html
        assert finished["attendance_id"] not in html
        assert 'value="AYSE yilmaz"' in html, "what was typed stays in the form"
        by_lesson = main_of((await api.get("/check-in?lesson_name=veri+yapilari")).text)
        assert open_one["attendance_id"] in by_lesson

    async def test_the_form_alone_at_first(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        as_viewer(api, await quick_user("student"))
        response = await api.get("/check-in")
        assert response.status_code == 200
        html = main_of(response.text)
        assert '<label for="teacher_name">' in html
        assert '<label for="lesson_name">' in html
        assert "error-summary" not in html
        assert "open attendance" not in html.split("</h1>")[1]

    async def test_an_empty_search_is_answered_on_the_form(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        as_viewer(api, await quick_user("student"))
        response = await api.get("/check-in?teacher_name=+&lesson_name=%21%21", headers=TURKISH)
        assert response.status_code == 422
        html = main_of(response.text)
        assert 'class="error-summary"' in html
        assert "Bir öğretmen adı ya da ders adı yazın." in html
        assert 'aria-invalid="true"' in html
        assert 'value="!!"' in html

    async def test_a_too_long_name_is_answered_on_the_form(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        as_viewer(api, await quick_user("student"))
        response = await api.get("/check-in", params={"lesson_name": "<x>" * 100})
        assert response.status_code == 422
        assert "At most 200 characters." in response.text
        assert "&lt;x&gt;" in response.text
        assert "<x>" not in response.text

    async def test_no_match_says_so(self, api: httpx.AsyncClient, quick_user: QuickUser) -> None:
        as_viewer(api, await quick_user("student"))
        response = await api.get("/check-in?lesson_name=nothing+like+it", headers=TURKISH)
        assert response.status_code == 200
        assert "Eşleşen açık yoklama yok." in response.text


def words_of(html: str) -> dict[str, dict[str, str]]:
    found = re.search(r'<script type="application/json" id="check-in-words">(.*?)</script>', html)
    assert found, "the page gives its script the words in a JSON block"
    words: dict[str, dict[str, str]] = json.loads(found.group(1))
    return words


class TestCheckInPageWords:
    async def test_every_sentence_of_the_script_in_the_pages_language(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        started = await start_checked(api, await quick_user("teacher"), {"code": True})
        response = await api.get(f"/check-in/{started['attendance_id']}", headers=TURKISH)
        html = response.text
        assert '<html lang="tr">' in html
        assert "Öğretmenin ekranındaki kod" in html
        words = words_of(html)
        for group in words.values():
            assert all(isinstance(text, str) and text for text in group.values()), group
        assert set(words["errors"]) == set(ERROR_CODES)
        assert words["reasons"]["code_invalid"].startswith("Kod yanlış")
        assert words["errors"]["attendance_ended"] == "Çok geç: bu yoklama sona erdi."
        assert words["reasons"]["network_mismatch"] == "Sınıfın ağına bağlı değilsiniz."
        assert words["progress"]["retrying"] == (
            "Bağlantı yok. %(seconds)s sn içinde yeniden deneniyor…"
        )
        assert not re.search(r"<script(?![^>]*\b(src=|type=\"application/json\"))", html)

    async def test_the_script_names_only_codes_that_have_words(self) -> None:
        script = SCRIPT.read_text(encoding="utf-8")
        closed = re.search(r"const CLOSED = \[(.*?)\];", script, re.S)
        assert closed
        named = set(re.findall(r'"([a-z_]+)"', closed.group(1)))
        assert named
        assert named <= set(ERROR_CODES)

    async def test_an_ended_attendance_says_too_late(
        self, api: httpx.AsyncClient, runtime: Runtime, quick_user: QuickUser
    ) -> None:
        teacher = await quick_user("teacher")
        lesson = await arrange_lesson(
            runtime,
            teacher,
            starts_at=utcnow() - timedelta(hours=2),
            ends_at=utcnow() - timedelta(hours=1),
        )
        response = await api.get(f"/check-in/{lesson.attendance_id}")
        assert "Too late: this attendance has ended" in response.text
        assert "check-in-words" not in response.text
