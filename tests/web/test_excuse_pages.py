"""The excuse pages played as a browser without JavaScript: the student finds "ask to be
excused" in their history, sends the multipart form (errors next to the fields, the note
kept), and sees the outcome; the teacher sees the request on the past attendance's page,
declines without a reason (refused in words) and approves; refusals are pages."""

from __future__ import annotations

import re

import httpx
import pytest

from attn.runtime import Runtime
from tests.fixtures.app import Account, MakeUser
from tests.helpers.excuses import HTML, PDF, Scene, make_scene
from tests.helpers.pages import SAME_ORIGIN, csrf_of, main_text

TURKISH = {"Accept-Language": "tr"}


def as_viewer(api: httpx.AsyncClient, account: Account) -> None:
    api.cookies.clear()
    api.cookies.set("attn_session", account.token)


@pytest.fixture
async def scene(runtime: Runtime, make_user: MakeUser) -> Scene:
    return await make_scene(runtime, make_user)


async def send(
    api: httpx.AsyncClient, scene: Scene, note: str, file: tuple[str, bytes, str] | None
) -> httpx.Response:
    path = f"/student/attendances/{scene.attendance_id}/excuse"
    form = await api.get(path)
    assert form.status_code == 200, form.text
    files = {"file": file or ("", b"", "application/octet-stream")}
    data = {"csrf_token": csrf_of(form.text), "note": note}
    return await api.post(path, data=data, files=files, headers=SAME_ORIGIN)


def excuse_link(page: str) -> str:
    found = re.search(r'href="(/teacher/excuses/[0-9a-f-]+)"', page)
    assert found, "the attendance page links the open request"
    return found.group(1)


class TestStudentForm:
    async def test_history_links_the_form_only_where_an_excuse_fits(
        self, api: httpx.AsyncClient, scene: Scene
    ) -> None:
        as_viewer(api, scene.absent)
        page = (await api.get("/student")).text
        assert f"/student/attendances/{scene.attendance_id}/excuse" in page
        assert f"/student/attendances/{scene.adhoc_id}/excuse" in page
        as_viewer(api, scene.present)
        assert "/excuse" not in (await api.get("/student")).text

    async def test_send_then_see_it_waiting_then_declined_with_the_reason(
        self, api: httpx.AsyncClient, scene: Scene
    ) -> None:
        as_viewer(api, scene.absent)
        sent = await send(
            api, scene, "Hastaydım, rapor ekte.", ("rapor.pdf", PDF, "application/pdf")
        )
        assert sent.status_code == 303, sent.text
        assert sent.headers["location"] == "/student?done=excuse_sent#excuses"
        home = main_text((await api.get(sent.headers["location"])).text)
        assert "Your request was sent to the teacher." in home
        assert "Waiting for the teacher" in home
        assert "Your file: rapor.pdf" in home
        again = await api.get(f"/student/attendances/{scene.attendance_id}/excuse")
        assert again.status_code == 409
        assert "already asked to be excused" in main_text(again.text)

        as_viewer(api, scene.teacher)
        page = await api.get(f"/teacher/attendances/{scene.attendance_id}")
        assert "Hastaydım, rapor ekte." in main_text(page.text)
        answer = excuse_link(page.text)
        form = await api.get(answer)
        token = csrf_of(form.text)
        empty = await api.post(answer + "/decline", data={"csrf_token": token, "reason": " "},
                               headers=SAME_ORIGIN)  # fmt: skip
        assert empty.status_code == 422
        assert "Give the reason" in main_text(empty.text)
        declined = await api.post(
            answer + "/decline",
            data={"csrf_token": token, "reason": "Rapor okunmuyor"},
            headers=SAME_ORIGIN,
        )
        assert declined.status_code == 303
        assert declined.headers["location"].endswith("?done=excuse_declined#excuses")

        as_viewer(api, scene.absent)
        home = main_text((await api.get("/student")).text)
        assert "Declined" in home
        assert "Teacher's reason: Rapor okunmuyor" in home

    async def test_approval_excuses_the_check_in(
        self, api: httpx.AsyncClient, scene: Scene
    ) -> None:
        as_viewer(api, scene.late)
        assert (await send(api, scene, "Otobüs gecikti", None)).status_code == 303
        as_viewer(api, scene.co_teacher)  # a teacher of the course answers from the link
        as_viewer(api, scene.teacher)
        page = await api.get(f"/teacher/attendances/{scene.attendance_id}")
        answer = excuse_link(page.text)
        token = csrf_of((await api.get(answer)).text)
        approved = await api.post(answer + "/approve", data={"csrf_token": token, "reason": ""},
                                  headers=SAME_ORIGIN)  # fmt: skip
        assert approved.status_code == 303
        after = await api.get(approved.headers["location"])
        text = main_text(after.text)
        assert "The request was approved: the check-in is now excused." in text
        row = after.text.split('id="record-S5"', 1)[1].split("</tr>", 1)[0]
        assert 'class="badge excused"' in row
        as_viewer(api, scene.late)
        assert "Approved: excused" in main_text((await api.get("/student")).text)

    @pytest.mark.parametrize(
        ("note", "file", "field", "words"),
        [
            ("  ", None, "note", "Write why you missed the lesson"),
            ("Hastaydım", ("a.pdf", HTML, "application/pdf"), "file", "must be a PDF, JPEG or PNG"),
        ],
        ids=["empty-note", "wrong-file"],
    )
    async def test_errors_next_to_the_field_keeping_the_note(
        self,
        api: httpx.AsyncClient,
        scene: Scene,
        note: str,
        file: tuple[str, bytes, str] | None,
        field: str,
        words: str,
    ) -> None:
        as_viewer(api, scene.absent)
        response = await send(api, scene, note, file)
        assert response.status_code == 422
        assert f'id="{field}-error"' in response.text
        assert words in main_text(response.text)
        if note.strip():
            assert f">{note}</textarea>" in response.text
        assert "Waiting for the teacher" not in (await api.get("/student")).text

    async def test_in_turkish(self, api: httpx.AsyncClient, scene: Scene) -> None:
        as_viewer(api, scene.absent)
        form = await api.get(f"/student/attendances/{scene.attendance_id}/excuse", headers=TURKISH)
        assert "Mazeret bildir" in main_text(form.text)

    async def test_refusals_are_pages(self, api: httpx.AsyncClient, scene: Scene) -> None:
        as_viewer(api, scene.present)
        present = await api.get(f"/student/attendances/{scene.attendance_id}/excuse")
        assert present.status_code == 409
        assert "needs no excuse" in main_text(present.text)
        as_viewer(api, scene.stranger)
        stranger = await api.get(f"/student/attendances/{scene.attendance_id}/excuse")
        assert stranger.status_code == 403
        unknown = await api.get("/student/attendances/nope/excuse")
        assert unknown.status_code == 404

    async def test_a_cross_site_post_is_refused(self, api: httpx.AsyncClient, scene: Scene) -> None:
        as_viewer(api, scene.absent)
        response = await api.post(
            f"/student/attendances/{scene.attendance_id}/excuse",
            data={"note": "x"},
            files={"file": ("", b"", "application/octet-stream")},
            headers={"Sec-Fetch-Site": "cross-site"},
        )
        assert response.status_code == 403


class TestTeacherPages:
    async def test_another_teacher_gets_the_403_page(
        self, api: httpx.AsyncClient, scene: Scene
    ) -> None:
        as_viewer(api, scene.absent)
        assert (
            await send(api, scene, "Hastaydım", ("r.pdf", PDF, "application/pdf"))
        ).status_code == 303
        as_viewer(api, scene.teacher)
        answer = excuse_link((await api.get(f"/teacher/attendances/{scene.attendance_id}")).text)
        as_viewer(api, scene.other_teacher)
        assert (await api.get(answer)).status_code == 403
        excuse_id = answer.rsplit("/", 1)[1]
        assert (await api.get(f"/excuses/{excuse_id}/file")).status_code == 403
        as_viewer(api, scene.co_teacher)
        assert (await api.get(answer)).status_code == 200
        download = await api.get(f"/excuses/{excuse_id}/file")
        assert (download.status_code, download.content) == (200, PDF)
        assert download.headers["content-disposition"].startswith("attachment;")


class TestTeacherHome:
    async def test_open_requests_of_the_teachers_and_their_courses(
        self, api: httpx.AsyncClient, scene: Scene
    ) -> None:
        as_viewer(api, scene.absent)
        assert (await send(api, scene, "Hastaydım", None)).status_code == 303
        for teacher, shown in [(scene.teacher, True), (scene.co_teacher, True),
                               (scene.other_teacher, False)]:  # fmt: skip
            as_viewer(api, teacher)
            text = main_text((await api.get("/teacher")).text)
            assert ("Excuse requests waiting for you" in text) is shown, teacher.user_number
            assert ("Çiğdem Öztürk" in text) is shown
