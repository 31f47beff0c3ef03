"""The teacher's home: live attendances, the start form and the history, played as a
browser does (form posts with the page's CSRF token) on the real app, SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
import pytest
from pydantic import SecretStr

from attn.config import Settings
from attn.models import RecordStatus
from attn.models.types import utcnow
from attn.runtime import Runtime
from tests.fixtures.app import Account, MakeUser
from tests.helpers.attendance_api import start
from tests.helpers.databases import BOTH_DATABASES, on_database
from tests.helpers.pages import (
    CROSS_SITE,
    SAME_ORIGIN,
    csrf_of,
    field_value,
    main_text,
    page_login,
    post_form,
)
from tests.helpers.stored import store_attendance

START = "/teacher/attendances"


@pytest.fixture(params=BOTH_DATABASES)
def app_settings(request: pytest.FixtureRequest, app_settings: Settings) -> Settings:
    return on_database(request, app_settings)


@pytest.fixture
async def teacher(api: httpx.AsyncClient, make_user: MakeUser) -> Account:
    """A teacher logged in on ``api`` through the login page (and with an API token)."""
    account = await make_user("teacher", name="Ayşe Yılmaz")
    await page_login(api, account)
    return account


def start_form(**fields: str) -> dict[str, str]:
    return {"lesson_name": "Veri Yapıları", "end_by": "duration", "duration_minutes": "45",
            "check_code": "on", **fields}  # fmt: skip


async def started(runtime: Runtime, response: httpx.Response) -> UUID:
    """The attendance a successful start redirected to the projector of."""
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(START + "/")
    assert location.endswith("/projector")
    return UUID(location.split("/")[3])


class TestHome:
    async def test_lists_the_live_attendances_with_their_list_and_projector(
        self, api: httpx.AsyncClient, teacher: Account, make_user: MakeUser
    ) -> None:
        mine = await start(api, teacher, lesson_name="Ağ Güvenliği")
        other = await make_user("teacher")
        theirs = await start(api, other, lesson_name="Başkasının Dersi")
        page = await api.get("/teacher")
        assert page.status_code == 200
        aid = mine["attendance_id"]
        assert f'href="/teacher/attendances/{aid}"' in page.text
        assert f'href="/teacher/attendances/{aid}/projector"' in page.text
        live = main_text(page.text).split("Start an attendance")[0]
        assert "Ağ Güvenliği" in live
        assert "Open" in live
        assert "Başkasının Dersi" not in page.text
        assert theirs["attendance_id"] not in page.text

    async def test_is_for_teachers(self, api: httpx.AsyncClient, make_user: MakeUser) -> None:
        assert (await api.get("/teacher")).headers["location"] == "/login?next=%2Fteacher"
        student = await make_user("student", login=False)
        await page_login(api, student)
        page = await api.get("/teacher")
        assert page.status_code == 403
        assert "This page is not for your role." in page.text

    async def test_suggests_the_teachers_own_lesson_names(
        self, api: httpx.AsyncClient, teacher: Account, runtime: Runtime, make_user: MakeUser
    ) -> None:
        await store_attendance(runtime, teacher, lesson_name="Algoritmalar")
        await start(api, teacher, lesson_name="Veri Yapıları")
        other = await make_user("teacher")
        await store_attendance(runtime, other, lesson_name="Fizik")
        page = (await api.get("/teacher")).text
        datalist = page.split('<datalist id="lesson-names">')[1].split("</datalist>")[0]
        assert re.findall(r'<option value="([^"]*)">', datalist) == [
            "Veri Yapıları",
            "Algoritmalar",
        ]

    async def test_the_form_starts_with_the_code_check_and_the_teachers_network(
        self, api: httpx.AsyncClient, teacher: Account
    ) -> None:
        page = (await api.get("/teacher")).text
        assert 'id="check_code" name="check_code" type="checkbox" value="on" checked' in page
        assert 'name="check_network" type="checkbox" value="on">' in page
        assert ">127.0.0.1/32</textarea>" in page  # the test client's address
        assert field_value(page, "duration_minutes") == "60"
        assert "check_face" not in page  # no verification service configured


class TestStart:
    async def test_starts_what_the_form_says_and_goes_to_the_projector(
        self, api: httpx.AsyncClient, teacher: Account, runtime: Runtime
    ) -> None:
        before = utcnow()
        form = start_form(late_after_minutes="10", check_device="on")
        aid = await started(runtime, await post_form(api, START, form, token_from="/teacher"))
        lesson = await runtime.redis_client.get_lesson(aid)
        assert lesson is not None
        assert (lesson.lesson_name, lesson.teacher_number) == ("Veri Yapıları", teacher.user_number)
        assert lesson.late_after_minutes == 10
        assert (lesson.checks.code, lesson.checks.device, lesson.checks.network) == (
            True, True, False,
        )  # fmt: skip
        assert before <= lesson.starts_at <= utcnow()
        assert lesson.ends_at - lesson.starts_at == timedelta(minutes=45)

    async def test_an_end_time_is_the_next_time_the_local_clock_shows_it(
        self, api: httpx.AsyncClient, teacher: Account, runtime: Runtime
    ) -> None:
        zone = runtime.settings.zone
        end = (utcnow() + timedelta(hours=2)).astimezone(zone).replace(second=0, microsecond=0)
        form = start_form(end_by="end_time", end_time=f"{end:%H:%M}", duration_minutes="")
        aid = await started(runtime, await post_form(api, START, form, token_from="/teacher"))
        lesson = await runtime.redis_client.get_lesson(aid)
        assert lesson is not None
        assert lesson.ends_at == end.astimezone(UTC)

    async def test_the_network_check_allows_the_networks_given(
        self, api: httpx.AsyncClient, teacher: Account, runtime: Runtime
    ) -> None:
        form = start_form(check_network="on", allowed_networks="10.20.30.0/24\r\n 10.9.0.0/16,")
        aid = await started(runtime, await post_form(api, START, form, token_from="/teacher"))
        lesson = await runtime.redis_client.get_lesson(aid)
        assert lesson is not None
        assert lesson.checks.network
        assert lesson.checks.allowed_networks == ["10.20.30.0/24", "10.9.0.0/16"]

    async def test_networks_without_the_network_check_are_ignored(
        self, api: httpx.AsyncClient, teacher: Account, runtime: Runtime
    ) -> None:
        form = start_form(allowed_networks="not a network")
        aid = await started(runtime, await post_form(api, START, form, token_from="/teacher"))
        lesson = await runtime.redis_client.get_lesson(aid)
        assert lesson is not None
        assert (lesson.checks.network, lesson.checks.allowed_networks) == (False, [])

    async def test_bad_input_shows_the_form_again_keeping_what_was_typed(
        self, api: httpx.AsyncClient, teacher: Account, runtime: Runtime
    ) -> None:
        form = start_form(
            lesson_name="  ",
            duration_minutes="kırk",
            late_after_minutes="-3",
            check_network="on",
            allowed_networks="10.20.30.0/33",
        )
        response = await post_form(api, START, form, token_from="/teacher")
        assert response.status_code == 422
        text = main_text(response.text)
        assert "There is a problem" in text
        for message in (
            "Enter the lesson name (at most 200 characters).",
            "Enter the duration in whole minutes, from 1 to 720.",
            "Enter whole minutes from 0 to 1440, or leave it empty.",
            "Enter networks like 10.20.30.0/24, one per line.",
        ):
            assert text.count(message) == 2, message  # in the summary and at the field
        assert field_value(response.text, "duration_minutes") == "kırk"
        assert field_value(response.text, "late_after_minutes") == "-3"
        assert ">10.20.30.0/33</textarea>" in response.text
        assert 'name="check_network" type="checkbox" value="on" checked' in response.text
        assert 'name="check_code" type="checkbox" value="on" checked' in response.text
        assert await runtime.redis_client.teacher_lessons(teacher.user_number) == []

    async def test_a_window_the_service_refuses_is_said_at_its_field(
        self, api: httpx.AsyncClient, teacher: Account, runtime: Runtime
    ) -> None:
        response = await post_form(
            api, START, start_form(duration_minutes="721"), token_from="/teacher"
        )
        assert response.status_code == 422
        assert 'id="duration_minutes-error"' in response.text
        assert field_value(response.text, "duration_minutes") == "721"
        assert field_value(response.text, "lesson_name") == "Veri Yapıları"

    async def test_a_missing_end_time_is_said_once_at_its_field(
        self, api: httpx.AsyncClient, teacher: Account
    ) -> None:
        form = start_form(end_by="end_time", end_time="25:99")
        response = await post_form(api, START, form, token_from="/teacher")
        assert response.status_code == 422
        text = main_text(response.text)
        assert text.count("Enter an end time like 10:30") == 2
        assert "Some of what you entered is not valid." not in text
        assert field_value(response.text, "end_time") == "25:99"
        assert 'id="end_by_time" name="end_by" type="radio" value="end_time" checked' in (
            response.text
        )

    async def test_a_second_live_attendance_at_the_same_time_is_refused_in_words(
        self, api: httpx.AsyncClient, teacher: Account, runtime: Runtime
    ) -> None:
        await started(runtime, await post_form(api, START, start_form(), token_from="/teacher"))
        form = start_form(lesson_name="İkinci Ders")
        response = await post_form(api, START, form, token_from="/teacher")
        assert response.status_code == 409
        assert "You already have a live attendance at this time." in response.text
        assert field_value(response.text, "lesson_name") == "İkinci Ders"
        assert len(await runtime.redis_client.teacher_lessons(teacher.user_number)) == 1

    async def test_the_face_check_without_a_verification_service_is_refused_at_its_toggle(
        self, api: httpx.AsyncClient, teacher: Account, runtime: Runtime
    ) -> None:
        form = start_form(check_face="on")
        response = await post_form(api, START, form, token_from="/teacher")
        assert response.status_code == 422
        assert "Face verification is not available on this server." in response.text
        assert await runtime.redis_client.teacher_lessons(teacher.user_number) == []

    async def test_speaks_turkish(self, api: httpx.AsyncClient, teacher: Account) -> None:
        api.cookies.set("attn_lang", "tr")
        response = await post_form(api, START, start_form(lesson_name=""), token_from="/teacher")
        assert response.status_code == 422
        assert '<html lang="tr">' in response.text
        assert "Ders adını girin" in response.text

    @pytest.mark.parametrize("attack", ["no token", "wrong token", "cross site"])
    async def test_a_forged_post_starts_nothing(
        self, api: httpx.AsyncClient, teacher: Account, runtime: Runtime, attack: str
    ) -> None:
        token = csrf_of((await api.get("/teacher")).text)
        data, headers = start_form(), SAME_ORIGIN
        if attack == "wrong token":
            data["csrf_token"] = "0" * len(token)
        elif attack == "cross site":
            data["csrf_token"], headers = token, CROSS_SITE
        response = await api.post(START, data=data, headers=headers)
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
        assert await runtime.redis_client.teacher_lessons(teacher.user_number) == []


DAY = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # 10:00 in Istanbul


class TestHistory:
    async def test_lists_stored_attendances_newest_first_with_their_counts(
        self, api: httpx.AsyncClient, teacher: Account, runtime: Runtime, make_user: MakeUser
    ) -> None:
        students = [
            ("S1", "Ali Kaya", RecordStatus.PRESENT),
            ("S2", "Ece Öztürk", RecordStatus.PRESENT),
            ("S3", "Can Yıldız", RecordStatus.LATE),
        ]
        old = await store_attendance(runtime, teacher, lesson_name="Eski Ders", starts_at=DAY)
        new = await store_attendance(
            runtime, teacher, starts_at=DAY + timedelta(days=1), students=students
        )
        other = await make_user("teacher")
        await store_attendance(runtime, other, lesson_name="Başkasının Dersi", starts_at=DAY)
        page = await api.get("/teacher")
        history = main_text(page.text).split("History", 1)[1]
        assert "2 attendances" in history
        assert history.index("Veri Yapıları") < history.index("Eski Ders")
        assert "Present 2 Late 1" in history
        assert "Başkasının Dersi" not in page.text
        assert f'href="/teacher/attendances/{old}"' in page.text
        assert f'href="/teacher/attendances/{new}"' in page.text

    async def test_searches_by_lesson_name_and_local_days(
        self, api: httpx.AsyncClient, teacher: Account, runtime: Runtime
    ) -> None:
        # 22:30 UTC on March 2nd is 01:30 on March 3rd in Istanbul: a lesson of the 3rd
        night = await store_attendance(
            runtime,
            teacher,
            lesson_name="Gece Dersi",
            starts_at=datetime(2026, 3, 2, 22, 30, tzinfo=UTC),
        )
        await store_attendance(runtime, teacher, lesson_name="Veri Yapıları", starts_at=DAY)
        await store_attendance(runtime, teacher, lesson_name="Algoritmalar", starts_at=DAY)

        def listed(page: httpx.Response) -> str:
            assert page.status_code == 200, page.text
            return main_text(page.text).split("History", 1)[1]

        third = listed(await api.get("/teacher", params={"from": "2026-03-03", "to": "2026-03-03"}))
        assert "1 attendance" in third
        assert "Gece Dersi" in third
        second = listed(await api.get("/teacher", params={"to": "2026-03-02"}))
        assert "2 attendances" in second
        assert "Gece Dersi" not in second
        by_name = listed(await api.get("/teacher", params={"q": "VERI yapi"}))
        assert "1 attendance" in by_name
        assert "Veri Yapıları" in by_name
        assert str(night) not in by_name
        page = await api.get("/teacher", params={"q": "veri", "from": "2026-03-01"})
        assert field_value(page.text, "q") == "veri"
        assert field_value(page.text, "from") == "2026-03-01"

    async def test_pages_keep_the_search(
        self, api: httpx.AsyncClient, teacher: Account, runtime: Runtime
    ) -> None:
        for day in range(23):
            await store_attendance(runtime, teacher, starts_at=DAY + timedelta(days=day))
        await store_attendance(runtime, teacher, lesson_name="Başka", starts_at=DAY)
        first = await api.get("/teacher", params={"q": "veri"})
        assert "23 attendances" in first.text
        assert "Page 1 of 2" in first.text
        assert first.text.count("<tr>") == 21  # the header row and 20 attendances
        assert 'href="/teacher?q=veri&amp;page=2#history" rel="next"' in first.text
        second = await api.get("/teacher", params={"q": "veri", "page": "2"})
        assert "Page 2 of 2" in second.text
        assert second.text.count("<tr>") == 4
        assert 'href="/teacher?q=veri#history" rel="prev"' in second.text
        beyond = await api.get("/teacher", params={"q": "veri", "page": "99"})
        assert beyond.status_code == 200
        assert "Page 99 of 2" in beyond.text
        assert "There are no attendances on this page." in beyond.text
        assert 'href="/teacher?q=veri&amp;page=98#history" rel="prev"' in beyond.text

    @pytest.mark.parametrize(
        ("params", "field", "message"),
        [
            ({"from": "31.01.2026"}, "from", "Enter a date like 2026-01-31."),
            ({"to": "9999-12-31"}, "to", "Enter a date like 2026-01-31."),
            ({"from": "2026-03-05", "to": "2026-03-01"}, "to", "must not be before the first"),
            ({"q": "x" * 201}, "q", "Enter at most 200 characters."),
        ],
    )
    async def test_a_search_it_cannot_read_says_so_and_lists_without_it(
        self,
        api: httpx.AsyncClient,
        teacher: Account,
        runtime: Runtime,
        params: dict[str, str],
        field: str,
        message: str,
    ) -> None:
        await store_attendance(runtime, teacher, starts_at=DAY + timedelta(days=10))
        page = await api.get("/teacher", params={**params, "page": "abc"})
        assert page.status_code == 422
        assert f'id="{field}-error"' in page.text
        assert message in page.text
        assert "1 attendance" in page.text


class TestFaceCheck:
    @pytest.fixture
    def app_settings(self, app_settings: Settings) -> Settings:
        """An installation with a face verification service (never called here)."""
        return app_settings.model_copy(
            update={
                "face_service_url": "http://127.0.0.1:9/verify",
                "face_service_secret": SecretStr("s" * 32),
                "public_base_url": "http://testserver",
            }
        )

    async def test_the_face_toggle_appears_and_starts_the_face_check(
        self, api: httpx.AsyncClient, teacher: Account, runtime: Runtime
    ) -> None:
        assert runtime.face_available
        page = (await api.get("/teacher")).text
        assert 'id="check_face" name="check_face" type="checkbox" value="on">' in page
        form = start_form(check_face="on", check_code="")
        aid = await started(runtime, await post_form(api, START, form, token_from="/teacher"))
        lesson = await runtime.redis_client.get_lesson(aid)
        assert lesson is not None
        assert (lesson.checks.face, lesson.checks.code) == (True, False)


@pytest.mark.parametrize("path", ["/teacher", "/teacher?from=bad"])
async def test_the_pages_carry_no_inline_script_or_style(
    api: httpx.AsyncClient, teacher: Account, path: str
) -> None:
    page = (await api.get(path)).text
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert "<style" not in page
    assert " style=" not in page
    assert not re.search(r"\son[a-z]+=", page)  # no inline event handlers
