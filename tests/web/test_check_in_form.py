"""The check-in page without JavaScript: the login form, the check-in form posted to
``/check-in/{id}`` (POST → redirect → GET), the record shown by the server, every refusal
in words.

Played as a browser without scripts would, on the real app with real Redis and SQL: only
form posts, cookies and redirects, never the JSON API on the student's side.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from attn.runtime import Runtime
from tests.fixtures.app import Account, MakeUser
from tests.fixtures.checkin import QuickUser
from tests.helpers.attendance_api import url
from tests.helpers.checkin_api import current_code, start_checked, wrong
from tests.web.test_auth_pages import SAME_ORIGIN, csrf_of
from tests.web.test_student_pages import TURKISH, as_viewer, main_of

PRESENT = "You are checked in: present."
WRONG_CODE = "Check-in refused: The code is wrong or has expired. Type the code on the screen now."
NEEDS_SCRIPT = "This lesson checks the phone you check in with, and that needs JavaScript."


def page(aid: object) -> str:
    return f"/check-in/{aid}"


def section(html: str, name: str) -> str:
    """The opening tag of the page's section ``name`` (login or check-in)."""
    found = re.search(rf'<section id="{name}"[^>]*>', html)
    assert found, f"the page has its {name} section"
    return found.group(0)


def status_of(html: str) -> str:
    found = re.search(r'<p id="status"[^>]*>(.*?)</p>', html, re.S)
    assert found
    return found.group(1).strip()


async def post_form(
    api: httpx.AsyncClient, aid: object, headers: dict[str, str] | None = None, **fields: Any
) -> httpx.Response:
    """The check-in form as the page sent it: its CSRF token, the fields, no device id."""
    html = (await api.get(page(aid))).text
    data = {"csrf_token": csrf_of(html), "device_id": "", **fields}
    return await api.post(page(aid), data=data, headers={**SAME_ORIGIN, **(headers or {})})


async def started(api: httpx.AsyncClient, teacher: Account, **checks: Any) -> str:
    aid: str = (await start_checked(api, teacher, checks, lesson_name="Fizik"))["attendance_id"]
    return aid


class TestWithoutJavaScript:
    async def test_log_in_by_the_form_then_check_in_by_the_form(
        self, api: httpx.AsyncClient, make_user: MakeUser, quick_user: QuickUser
    ) -> None:
        teacher = await quick_user("teacher")
        student = await make_user("student", name="Can Demir", login=False)
        aid = await started(api, teacher, code=True)

        first = (await api.get(page(aid))).text
        assert "hidden" not in section(first, "login"), "nobody sees the login form"
        assert "hidden" in section(first, "check-in")
        assert "needs JavaScript" not in first
        assert f'<input type="hidden" name="next" value="/check-in/{aid}">' in first
        login = {"user_number": student.user_number, "password": student.password}
        logged_in = await api.post(
            "/login", data={**login, "next": page(aid), "remember": "1"}, headers=SAME_ORIGIN
        )
        assert (logged_in.status_code, logged_in.headers["location"]) == (303, page(aid))

        html = (await api.get(page(aid))).text
        assert "hidden" not in section(html, "check-in"), "the student sees the check-in form"
        assert "hidden" in section(html, "login")
        assert f"Logged in as Can Demir ({student.user_number})" in html
        assert f'<form id="check-in-form" method="post" action="/check-in/{aid}">' in html
        response = await post_form(api, aid, code=await current_code(api, teacher, aid))
        assert (response.status_code, response.headers["location"]) == (303, page(aid))

        after = (await api.get(page(aid))).text
        assert status_of(after) == PRESENT
        assert re.search(r'<form id="check-in-form"[^>]* hidden>', after), "no second check-in"
        records = (await api.get(url(aid, "records"), headers=teacher.headers)).json()
        [record] = records["records"]
        assert (record["student_number"], record["status"]) == (student.user_number, "present")

    async def test_a_wrong_code_is_refused_in_words_and_the_form_stays(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher, student = await quick_user("teacher"), await quick_user("student")
        aid = await started(api, teacher, code=True)
        as_viewer(api, student)
        code = await current_code(api, teacher, aid)
        response = await post_form(api, aid, code=wrong(code))
        assert response.status_code == 303
        html = (await api.get(page(aid))).text
        assert status_of(html) == WRONG_CODE
        assert not re.search(r'<form id="check-in-form"[^>]* hidden>', html), "try again"
        turkish = (await api.get(page(aid), headers=TURKISH)).text
        assert status_of(turkish).startswith("Yoklama reddedildi: Kod yanlış")

        await post_form(api, aid, code=code)
        assert status_of((await api.get(page(aid))).text) == PRESENT

    async def test_a_reload_shows_the_record_the_api_made(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher, student = await quick_user("teacher"), await quick_user("student")
        aid = await started(api, teacher, network=True, allowed_networks=["10.0.0.0/8"])
        made = await api.post(url(aid, "check-in"), headers=student.headers)
        assert made.json()["fail_reason"] == "network_mismatch"
        as_viewer(api, student)
        html = (await api.get(page(aid))).text
        assert status_of(html) == (
            "Check-in refused: You are not on the classroom network. Fix this and check in again."
        )
        assert 'data-kind="bad"' in html

    async def test_the_device_check_says_it_needs_javascript(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher, student = await quick_user("teacher"), await quick_user("student")
        aid = await started(api, teacher, device=True)
        assert NEEDS_SCRIPT in (await api.get(page(aid))).text.split("<noscript>", 1)[1]
        as_viewer(api, student)
        response = await post_form(api, aid)
        assert response.status_code == 422
        assert NEEDS_SCRIPT in main_of(response.text).split('role="alert"', 1)[1]
        records = (await api.get(url(aid, "records"), headers=teacher.headers)).json()
        assert records["records"] == [], "nothing was stored"

        with_device = await post_form(api, aid, device_id="web-0123456789abcdef")
        assert with_device.status_code == 303, "the script's device id is taken"
        [record] = (await api.get(url(aid, "records"), headers=teacher.headers)).json()["records"]
        assert (record["status"], record["device_id"]) == ("present", "web-0123456789abcdef")

    async def test_no_device_check_needs_no_javascript(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher = await quick_user("teacher")
        aid = await started(api, teacher, code=True)
        html = (await api.get(page(aid))).text
        assert "<noscript>" not in html


class TestBadInput:
    @pytest.mark.parametrize(
        ("code", "english", "turkish"),
        [
            (
                "  ",
                "Type the code on the teacher&#39;s screen.",
                "Öğretmenin ekranındaki kodu yazın.",
            ),
            ("A" * 33, "A code has at most 32 characters.", "Kod en fazla 32 karakterdir."),
        ],
    )
    async def test_the_form_again_with_the_error_at_the_field(
        self,
        api: httpx.AsyncClient,
        quick_user: QuickUser,
        code: str,
        english: str,
        turkish: str,
    ) -> None:
        teacher, student = await quick_user("teacher"), await quick_user("student")
        aid = await started(api, teacher, code=True)
        as_viewer(api, student)
        response = await post_form(api, aid, code=code)
        assert response.status_code == 422
        html = response.text
        assert f'<span class="field-error" id="code-error">{english}</span>' in html
        assert 'aria-invalid="true" aria-describedby="code-error"' in html
        assert '<a href="#code">' in html, "the summary at the top leads to the field"
        assert f'value="{code.strip()}"' in html, "what was typed is kept"
        again = await post_form(api, aid, code=code, headers=TURKISH)
        assert turkish in again.text
        records = (await api.get(url(aid, "records"), headers=teacher.headers)).json()
        assert records["records"] == []

    async def test_too_many_wrong_codes_says_to_wait(
        self, api: httpx.AsyncClient, runtime: Runtime, quick_user: QuickUser
    ) -> None:
        teacher, student = await quick_user("teacher"), await quick_user("student")
        aid = await started(api, teacher, code=True)
        as_viewer(api, student)
        bad = wrong(await current_code(api, teacher, aid))
        for _ in range(runtime.settings.code_attempts_per_minute):
            assert (await post_form(api, aid, code=bad)).status_code == 303
        response = await post_form(api, aid, code=bad, headers=TURKISH)
        assert response.status_code == 429
        assert int(response.headers["retry-after"]) > 0
        assert "Çok fazla yanlış kod girildi. Biraz bekleyip tekrar deneyin." in response.text


class TestRefused:
    async def test_nobody_is_sent_to_log_in_and_back(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        aid = await started(api, await quick_user("teacher"), code=True)
        response = await api.post(page(aid), data={"code": "AB23CD"}, headers=SAME_ORIGIN)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next=%2Fcheck-in%2F{aid}"

    async def test_another_site_or_a_missing_token_is_refused(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher, student = await quick_user("teacher"), await quick_user("student")
        aid = await started(api, teacher, code=True)
        as_viewer(api, student)
        code = await current_code(api, teacher, aid)
        html = (await api.get(page(aid))).text
        form = {"csrf_token": csrf_of(html), "code": code}
        cross = await api.post(page(aid), data=form, headers={"Sec-Fetch-Site": "cross-site"})
        assert cross.status_code == 403
        assert "This form was sent from another site." in cross.text
        other_origin = await api.post(page(aid), data=form, headers={"Origin": "https://evil"})
        assert other_origin.status_code == 403
        no_token = await api.post(page(aid), data={"code": code}, headers=SAME_ORIGIN)
        assert no_token.status_code == 403
        assert "This form has expired." in no_token.text
        records = (await api.get(url(aid, "records"), headers=teacher.headers)).json()
        assert records["records"] == []

    async def test_a_teacher_gets_the_403_page(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher = await quick_user("teacher")
        aid = await started(api, teacher, code=True)
        as_viewer(api, teacher)
        html = (await api.get(page(aid))).text
        assert status_of(html) == "This page is not for your role."
        assert re.search(r'<form id="check-in-form"[^>]* hidden>', html)
        response = await post_form(api, aid, code=await current_code(api, teacher, aid))
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
        assert "This page is not for your role." in response.text

    async def test_an_unknown_attendance_is_the_404_page(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        as_viewer(api, await quick_user("student"))
        csrf = csrf_of((await api.get("/student")).text)
        for missing in ("00000000-0000-4000-8000-000000000000", "not-a-uuid"):
            response = await api.post(
                page(missing), data={"csrf_token": csrf, "code": "AB23CD"}, headers=SAME_ORIGIN
            )
            assert response.status_code == 404
            assert "Attendance not found" in response.text

    async def test_a_finished_attendance_says_so(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher, student = await quick_user("teacher"), await quick_user("student")
        aid = await started(api, teacher, code=True)
        as_viewer(api, student)
        html = (await api.get(page(aid))).text
        await api.post(url(aid, "finish"), headers=teacher.headers)
        response = await api.post(
            page(aid), data={"csrf_token": csrf_of(html), "code": "AB23CD"}, headers=SAME_ORIGIN
        )
        assert response.status_code == 409
        assert "This attendance is closed and takes no more check-ins." in response.text
        assert 'id="check-in-form"' not in response.text


async def test_a_student_off_the_roster_is_told_the_teacher_sees_the_attempt(
    api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
) -> None:
    from tests.api.test_course_attendances import course_of, start_for

    teacher = await make_user("teacher")
    outsider = await make_user("student", name="Zeynep Çelik")
    course = await course_of(runtime, teacher.user_number)
    aid = (await start_for(api, teacher, course)).json()["attendance_id"]
    as_viewer(api, outsider)
    response = await post_form(api, aid)
    assert (response.status_code, response.headers["location"]) == (303, page(aid))
    html = (await api.get(page(aid))).text
    assert status_of(html) == (
        "Check-in refused: You are not on this course&#39;s list. Your teacher sees your "
        "attempt and may accept it."
    )
    assert re.search(r'<form id="check-in-form"[^>]* hidden>', html), "no retry to offer"
    turkish = (await api.get(page(aid), headers=TURKISH)).text
    assert "Öğretmeniniz denemenizi görüyor" in status_of(turkish)
