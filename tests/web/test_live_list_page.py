"""The teacher's live list: the snapshot page and its forms (accept, reject with a reason,
add a student by number, finish), played as a browser without the script would.

Real app, real Redis and SQL; the script's side (live updates, in-place actions) is in
tests/browser/test_live_list.py.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import uuid4

import httpx
import pytest

from attn.runtime import Runtime
from tests.fixtures.app import Account, MakeUser
from tests.fixtures.checkin import QuickUser
from tests.helpers.attendance_api import check_in, persist, start, url
from tests.web.live_pages import (
    browse_as,
    csrf_of,
    live,
    main_of,
    post_form,
    script_data,
)

FIRST_NAMES = ("Çağla", "Burak", "Ilgın")


async def arranged(
    api: httpx.AsyncClient, quick_user: QuickUser, students: int = 2
) -> tuple[Account, str, list[Account]]:
    """A teacher browsing, an open attendance of theirs and ``students`` checked in."""
    teacher = await quick_user("teacher", name="Ayşe Yılmaz")
    aid = (await start(api, teacher, lesson_name="Veri Yapıları"))["attendance_id"]
    checked: list[Account] = []
    for n in range(students):
        student = await quick_user("student", name=f"{FIRST_NAMES[n]} Şahin")
        assert (await check_in(api, student, aid)).status_code == 201
        checked.append(student)
    browse_as(api, teacher)
    return teacher, aid, checked


async def record_of(
    api: httpx.AsyncClient, teacher: Account, aid: str, number: str
) -> dict[str, Any]:
    response = await api.get(url(aid, "records"), headers=teacher.headers)
    found: dict[str, Any] = next(
        r for r in response.json()["records"] if r["student_number"] == number
    )
    return found


class TestThePage:
    async def test_shows_every_record_with_counts_and_where_to_listen_from(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher, aid, students = await arranged(api, quick_user)
        response = await api.get(live(aid))
        assert response.status_code == 200
        html = response.text
        assert "<h1>Veri Yapıları</h1>" in html
        for student in students:
            assert f'id="r-{student.user_number}"' in html
            assert student.full_name in html
        assert '<strong data-count="present">2</strong>' in html
        data = script_data(html, "live-data")
        snapshot = (await api.get(url(aid, "records"), headers=teacher.headers)).json()
        assert data["last_event_id"] == snapshot["last_event_id"] != "0-0"
        assert data["events"] == f"/api/v1/attendances/{aid}/events"
        assert not re.search(r"<script(?![^>]*\b(src=|type=\"application/json\"))", html)
        assert " style=" not in html

    async def test_the_newest_check_in_comes_first(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        _teacher, aid, (first, second) = await arranged(api, quick_user)
        html = (await api.get(live(aid))).text
        assert html.index(f'id="r-{second.user_number}"') < html.index(
            f'id="r-{first.user_number}"'
        )

    async def test_the_filter_works_without_the_script(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher, aid, (first, second) = await arranged(api, quick_user)
        await api.post(
            url(aid, "records", first.user_number, "reject"),
            json={"reason": "Not here"},
            headers=teacher.headers,
        )
        html = (await api.get(live(aid), params={"show": "attention"})).text
        assert f'id="r-{first.user_number}" data-number' in html
        assert re.search(rf'id="r-{second.user_number}"[^>]*hidden>', html)
        assert "Rejected: Not here" in html
        by_name = (await api.get(live(aid), params={"q": "BURAK sahin"})).text
        assert re.search(rf'id="r-{first.user_number}"[^>]*hidden>', by_name)
        assert not re.search(rf'id="r-{second.user_number}"[^>]*hidden>', by_name)
        odd = await api.get(live(aid), params={"show": "<script>", "q": "x" * 5000})
        assert odd.status_code == 200

    async def test_needs_a_teachers_login(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        _teacher, aid, (student, _) = await arranged(api, quick_user)
        api.cookies.clear()
        response = await api.get(live(aid))
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
        browse_as(api, student)
        assert (await api.get(live(aid))).status_code == 403

    async def test_another_teachers_attendance_is_a_403_page(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        _teacher, aid, _ = await arranged(api, quick_user)
        browse_as(api, await quick_user("teacher"))
        response = await api.get(live(aid))
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
        assert "This attendance belongs to another teacher." in response.text

    @pytest.mark.parametrize("attendance_id", [str(uuid4()), "not-a-uuid", "%3Cb%3E"])
    async def test_an_unknown_attendance_is_the_404_page(
        self, api: httpx.AsyncClient, quick_user: QuickUser, attendance_id: str
    ) -> None:
        browse_as(api, await quick_user("teacher"))
        response = await api.get(live(attendance_id))
        assert response.status_code == 404
        assert "There is no such attendance." in response.text

    async def test_a_finished_or_stored_attendance_goes_to_its_past_page(
        self, api: httpx.AsyncClient, quick_user: QuickUser, runtime: Runtime
    ) -> None:
        teacher, aid, _ = await arranged(api, quick_user)
        assert (await api.post(url(aid, "finish"), headers=teacher.headers)).status_code == 200
        response = await api.get(live(aid))
        assert response.status_code == 303
        assert response.headers["location"] == f"/teacher/attendances/{aid}"
        await persist(runtime)
        assert (await api.get(live(aid))).headers["location"] == f"/teacher/attendances/{aid}"


class TestAcceptAndReject:
    async def test_accept_turns_a_rejected_check_in_present(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher, aid, (student, _) = await arranged(api, quick_user)
        token = csrf_of((await api.get(live(aid))).text)
        await post_form(api, live(aid, "decide"), token, reject=student.user_number, reason="x")
        response = await post_form(
            api, live(aid, "decide"), token, accept=student.user_number, show="attention"
        )
        assert response.status_code == 303
        assert response.headers["location"] == (
            f"{live(aid)}?show=attention#r-{student.user_number}"
        )
        record = await record_of(api, teacher, aid, student.user_number)
        assert (record["status"], record["decided_by"]) == ("present", teacher.user_number)

    async def test_reject_without_a_reason_asks_for_one(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher, aid, (student, _) = await arranged(api, quick_user)
        token = csrf_of((await api.get(live(aid))).text)
        response = await post_form(api, live(aid, "decide"), token, reject=student.user_number)
        assert response.status_code == 303
        assert response.headers["location"] == live(aid, "reject", student.user_number)
        page = await api.get(response.headers["location"])
        assert page.status_code == 200
        assert f"Reject {student.full_name}" in page.text
        assert 'name="reason" value="Not in the classroom"' in page.text
        assert (await record_of(api, teacher, aid, student.user_number))["status"] == "present"

    async def test_one_tap_on_a_common_reason_rejects(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher, aid, (student, _) = await arranged(api, quick_user)
        token = csrf_of((await api.get(live(aid, "reject", student.user_number))).text)
        reason = "Not in the classroom"
        response = await post_form(
            api, live(aid, "decide"), token, reject=student.user_number, reason=reason
        )
        assert response.status_code == 303
        record = await record_of(api, teacher, aid, student.user_number)
        assert (record["status"], record["fail_reason"]) == ("rejected", "teacher_rejected")
        assert record["decision_reason"] == reason
        html = (await api.get(live(aid))).text
        assert f"Rejected: {reason}" in html

    @pytest.mark.parametrize("typed", ["", "   ", "y" * 501])
    async def test_a_typed_reason_that_is_empty_or_too_long_is_shown_on_the_form(
        self, api: httpx.AsyncClient, quick_user: QuickUser, typed: str
    ) -> None:
        teacher, aid, (student, _) = await arranged(api, quick_user)
        token = csrf_of((await api.get(live(aid))).text)
        response = await post_form(
            api,
            live(aid, "decide"),
            token,
            reject=student.user_number,
            other_reason=typed,
            typed="1",
        )
        assert response.status_code == 422
        assert 'class="error-summary"' in response.text
        assert "Choose a reason or type one" in response.text
        assert (await record_of(api, teacher, aid, student.user_number))["status"] == "present"

    @pytest.mark.parametrize(
        ("fields", "status"),
        [({"accept": "../etc"}, 422), ({"accept": ""}, 422), ({"accept": "nobody"}, 404)],
    )
    async def test_bad_or_unknown_students_are_pages_in_words(
        self, api: httpx.AsyncClient, quick_user: QuickUser, fields: dict[str, str], status: int
    ) -> None:
        _teacher, aid, _ = await arranged(api, quick_user)
        token = csrf_of((await api.get(live(aid))).text)
        response = await post_form(api, live(aid, "decide"), token, **fields)
        assert response.status_code == status
        assert response.headers["content-type"].startswith("text/html")
        assert (await api.get(live(aid, "reject", "nobody"))).status_code == 404

    async def test_csrf_and_same_origin_are_enforced(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher, aid, (student, _) = await arranged(api, quick_user)
        token = csrf_of((await api.get(live(aid))).text)
        missing = await post_form(
            api, live(aid, "decide"), None, reject=student.user_number, reason="x"
        )
        assert missing.status_code == 403
        assert "This form has expired." in missing.text
        wrong = await post_form(
            api, live(aid, "decide"), "0" * 64, reject=student.user_number, reason="x"
        )
        assert wrong.status_code == 403
        cross = await api.post(
            live(aid, "decide"),
            data={"csrf_token": token, "reject": student.user_number, "reason": "x"},
            headers={"Sec-Fetch-Site": "cross-site"},
        )
        assert cross.status_code == 403
        assert (await record_of(api, teacher, aid, student.user_number))["status"] == "present"

    async def test_another_teacher_may_not_decide(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher, aid, (student, _) = await arranged(api, quick_user)
        other = await quick_user("teacher")
        browse_as(api, other)
        token = csrf_of((await api.get("/teacher")).text)
        response = await post_form(
            api, live(aid, "decide"), token, reject=student.user_number, reason="x"
        )
        assert response.status_code == 403
        assert "This attendance belongs to another teacher." in response.text
        assert (await record_of(api, teacher, aid, student.user_number))["status"] == "present"


class TestAddByNumber:
    async def test_a_student_of_the_directory_is_added_present_under_their_name(
        self, api: httpx.AsyncClient, quick_user: QuickUser, make_user: MakeUser
    ) -> None:
        teacher, aid, _ = await arranged(api, quick_user, students=0)
        student = await make_user("student", name="Zeynep Kaya", login=False)
        token = csrf_of((await api.get(live(aid))).text)
        response = await post_form(
            api,
            live(aid, "records"),
            token,
            student_number=f" {student.user_number} ",
            full_name="Typo",
        )
        assert response.status_code == 303
        assert response.headers["location"] == f"{live(aid)}#r-{student.user_number}"
        record = await record_of(api, teacher, aid, student.user_number)
        assert (record["status"], record["user_full_name"]) == ("present", "Zeynep Kaya")

    async def test_a_number_the_directory_does_not_know_needs_a_name(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher, aid, _ = await arranged(api, quick_user, students=0)
        token = csrf_of((await api.get(live(aid))).text)
        response = await post_form(api, live(aid, "records"), token, student_number="x12345")
        assert response.status_code == 422
        main = main_of(response.text)
        assert 'class="error-summary"' in main
        assert "type the student&#39;s name" in main
        assert 'value="x12345"' in main
        named = await post_form(
            api, live(aid, "records"), token, student_number="x12345", full_name="Yeni Öğrenci"
        )
        assert named.status_code == 303
        assert (await record_of(api, teacher, aid, "x12345"))["user_full_name"] == "Yeni Öğrenci"

    @pytest.mark.parametrize("number", ["", "a b", "<script>", "x" * 33])
    async def test_a_bad_number_is_shown_on_the_form(
        self, api: httpx.AsyncClient, quick_user: QuickUser, number: str
    ) -> None:
        _teacher, aid, _ = await arranged(api, quick_user, students=0)
        token = csrf_of((await api.get(live(aid))).text)
        response = await post_form(api, live(aid, "records"), token, student_number=number)
        assert response.status_code == 422
        assert "Enter a school number" in response.text
        assert (
            "<script>"
            not in main_of(response.text).split('id="records"')[0].split("error-summary")[1]
        )

    async def test_a_teachers_number_is_refused(
        self, api: httpx.AsyncClient, quick_user: QuickUser, make_user: MakeUser
    ) -> None:
        _teacher, aid, _ = await arranged(api, quick_user, students=0)
        colleague = await make_user("teacher", login=False)
        token = csrf_of((await api.get(live(aid))).text)
        response = await post_form(
            api, live(aid, "records"), token, student_number=colleague.user_number
        )
        assert response.status_code == 422
        assert "not a student" in response.text

    async def test_csrf_is_enforced(self, api: httpx.AsyncClient, quick_user: QuickUser) -> None:
        teacher, aid, _ = await arranged(api, quick_user, students=0)
        response = await post_form(
            api, live(aid, "records"), None, student_number="x1", full_name="X"
        )
        assert response.status_code == 403
        records = (await api.get(url(aid, "records"), headers=teacher.headers)).json()
        assert records["count"] == 0


class TestFinish:
    async def test_asks_first_then_finishes_and_goes_to_the_past_page(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher, aid, _ = await arranged(api, quick_user)
        confirm = await api.get(live(aid, "finish"))
        assert confirm.status_code == 200
        assert "Finish Veri Yapıları now?" in confirm.text
        assert "Check-ins so far: 2" in confirm.text
        response = await post_form(api, live(aid, "finish"), csrf_of(confirm.text))
        assert response.status_code == 303
        assert response.headers["location"] == f"/teacher/attendances/{aid}"
        detail = (await api.get(url(aid), headers=teacher.headers)).json()
        assert detail["state"] == "finished"
        again = await api.get(live(aid, "finish"))
        assert again.headers["location"] == f"/teacher/attendances/{aid}"

    async def test_finishing_twice_says_it_is_finished(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        _teacher, aid, _ = await arranged(api, quick_user)
        token = csrf_of((await api.get(live(aid, "finish"))).text)
        await post_form(api, live(aid, "finish"), token)
        response = await post_form(api, live(aid, "finish"), token)
        assert response.status_code == 409
        assert "This attendance has finished." in response.text

    async def test_csrf_and_another_teacher_are_refused(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher, aid, _ = await arranged(api, quick_user)
        assert (await post_form(api, live(aid, "finish"), None)).status_code == 403
        browse_as(api, await quick_user("teacher"))
        token = csrf_of((await api.get("/teacher")).text)
        assert (await post_form(api, live(aid, "finish"), token)).status_code == 403
        assert (await api.get(live(aid, "finish"))).status_code == 403
        detail = (await api.get(url(aid), headers=teacher.headers)).json()
        assert detail["state"] == "open"
        unknown = await post_form(api, live(uuid4(), "finish"), token)
        assert unknown.status_code == 404


class TestACoursesRoster:
    """A course's attendance lists who of its roster has not checked in yet, with the
    count, and a walk-in's refused attempt as one to accept."""

    async def arranged(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> tuple[Account, str, list[Account]]:
        from tests.api.test_course_attendances import course_of, start_for

        teacher = await make_user("teacher", name="Ayşe Yılmaz")
        students = [await make_user("student", name=f"{n} Şahin") for n in FIRST_NAMES]
        numbers = [s.user_number for s in students[:2]]
        course = await course_of(runtime, teacher.user_number, *numbers)
        aid = (await start_for(api, teacher, course)).json()["attendance_id"]
        return teacher, aid, students

    async def test_the_page_says_who_has_not_checked_in_yet(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, aid, (first, second, walk_in) = await self.arranged(api, runtime, make_user)
        assert (await check_in(api, first, aid)).status_code == 201
        assert (await check_in(api, walk_in, aid)).status_code == 403
        browse_as(api, teacher)
        html = main_of((await api.get(live(aid))).text)
        waiting = html.split('id="waiting"', 1)[1].split("</ol>", 1)[0]
        assert second.full_name in waiting
        assert first.full_name not in waiting
        assert walk_in.full_name not in waiting
        assert html.count('<strong data-count="waiting">1</strong>') == 1
        assert 'of <span data-count="roster">2</span> on the roster' in html
        walk_in_row = html.split(f'id="r-{walk_in.user_number}"', 1)[1].split("</li>", 1)[0]
        assert "Not on the course&#39;s roster" in walk_in_row
        assert 'name="accept"' in walk_in_row
        data = script_data((await api.get(live(aid))).text, "live-data")
        assert set(data["roster"]) == {first.user_number, second.user_number}

    async def test_one_tap_adds_a_student_of_the_roster_as_present(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, aid, (_first, second, _walk_in) = await self.arranged(api, runtime, make_user)
        browse_as(api, teacher)
        page = (await api.get(live(aid))).text
        added = await post_form(
            api, live(aid, "records"), csrf_of(page), student_number=second.user_number
        )
        assert added.status_code == 303
        record = await record_of(api, teacher, aid, second.user_number)
        assert record["status"] == "present"
        html = main_of((await api.get(live(aid))).text)
        assert second.full_name not in html.split('id="waiting"', 1)[1].split("</ol>", 1)[0]

    async def test_an_ad_hoc_attendance_has_no_roster_section(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        _teacher, aid, _ = await arranged(api, quick_user, students=1)
        html = (await api.get(live(aid))).text
        assert 'id="waiting"' not in html
        assert script_data(html, "live-data")["roster"] is None
