"""One attendance's pages: the past attendance (records from SQL, counts, local times),
correcting and deleting a record, deleting the attendance, and the CSV export, each played
as a browser does on the real app, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from uuid import UUID, uuid4

import httpx
import pytest

from attn.config import Settings
from attn.db.sql import repository
from attn.db.sql.rows import RecordRow
from attn.models import RecordStatus
from attn.runtime import Runtime
from tests.fixtures.app import Account, MakeUser
from tests.helpers.attendance_api import audit_of, quick_user, start, start_and_persist, url
from tests.helpers.databases import BOTH_DATABASES, on_database
from tests.helpers.pages import CROSS_SITE, csrf_of, field_value, main_text, page_login, post_form
from tests.helpers.stored import store_attendance

DAY = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
"""10:00 in Istanbul; the records are stored at 07:02 UTC, 10:02 local."""
STUDENTS = [
    ("S1", "Ali Kaya", RecordStatus.PRESENT),
    ("S2", "Ece Öztürk", RecordStatus.PRESENT),
    ("S3", "Can Yıldız", RecordStatus.LATE),
    ("S4", "Işık Çelik", RecordStatus.REJECTED),
]


@pytest.fixture(params=BOTH_DATABASES)
def app_settings(request: pytest.FixtureRequest, app_settings: Settings) -> Settings:
    return on_database(request, app_settings)


@pytest.fixture
async def teacher(api: httpx.AsyncClient, make_user: MakeUser) -> Account:
    account = await make_user("teacher", name="Ayşe Yılmaz")
    await page_login(api, account)
    return account


@pytest.fixture
async def stored(runtime: Runtime, teacher: Account) -> UUID:
    return await store_attendance(runtime, teacher, starts_at=DAY, students=STUDENTS)


def page_url(aid: object, *parts: str) -> str:
    return "/".join([f"/teacher/attendances/{aid}", *parts])


async def stored_record(runtime: Runtime, aid: UUID, number: str) -> RecordRow | None:
    async with runtime.sessionmaker() as session:
        return await repository.get_record(session, aid, number, include_deleted=True)


class TestPastAttendance:
    async def test_shows_the_records_with_badges_counts_and_local_times(
        self, api: httpx.AsyncClient, stored: UUID
    ) -> None:
        page = await api.get(page_url(stored))
        assert page.status_code == 200
        text = main_text(page.text)
        assert "Veri Yapıları" in text
        assert "Finished" in text
        assert "4 check-ins Present 2 Late 1 Rejected 1" in text
        assert "Işık Çelik" in text
        assert "Wrong or expired code" in text
        assert "10:02:00" in text  # 07:02 UTC in Istanbul
        assert 'class="badge late"' in page.text
        assert f'href="{page_url(stored, "records", "S3")}"' in page.text
        assert f'href="{page_url(stored, "export.csv")}"' in page.text
        assert f'href="{page_url(stored, "delete")}"' in page.text

    async def test_shows_an_attendance_the_persistence_job_stored(
        self, api: httpx.AsyncClient, runtime: Runtime, teacher: Account
    ) -> None:
        students = [await quick_user(runtime, "student", name="Zeynep Demir") for _ in range(2)]
        aid = await start_and_persist(api, runtime, teacher, students)
        page = await api.get(page_url(aid))
        assert page.status_code == 200
        assert "2 check-ins Present 2" in main_text(page.text)
        assert "Zeynep Demir" in page.text

    async def test_speaks_turkish(self, api: httpx.AsyncClient, stored: UUID) -> None:
        api.cookies.set("attn_lang", "tr")
        page = await api.get(page_url(stored))
        assert '<html lang="tr">' in page.text
        assert "Geç" in main_text(page.text)

    async def test_a_live_attendance_gets_the_live_page(
        self, api: httpx.AsyncClient, teacher: Account
    ) -> None:
        live = await start(api, teacher)
        page = await api.get(page_url(live["attendance_id"]))
        assert page.status_code == 303
        assert page.headers["location"] == page_url(live["attendance_id"], "live")
        live_list = await api.get(page.headers["location"])
        assert live_list.status_code == 200
        assert f'href="{page_url(live["attendance_id"], "projector")}"' in live_list.text

    async def test_a_finished_attendance_not_yet_stored_says_it_is_being_saved(
        self, api: httpx.AsyncClient, teacher: Account
    ) -> None:
        live = await start(api, teacher)
        finished = await api.post(url(live["attendance_id"], "finish"), headers=teacher.headers)
        assert finished.status_code == 200, finished.text
        page = await api.get(page_url(live["attendance_id"]))
        assert page.status_code == 200  # not sent to the live list, which sends it back
        assert "Its check-ins are being saved" in page.text
        back = await api.get(page_url(live["attendance_id"], "live"))
        assert back.status_code == 303
        assert back.headers["location"] == page_url(live["attendance_id"])

    async def test_another_teachers_attendance_is_a_403_page(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser, teacher: Account
    ) -> None:
        other = await make_user("teacher")
        theirs = await store_attendance(runtime, other, students=STUDENTS)
        for path in (
            page_url(theirs),
            page_url(theirs, "records", "S1"),
            page_url(theirs, "delete"),
        ):
            page = await api.get(path)
            assert page.status_code == 403, path
            assert "This attendance belongs to another teacher." in page.text

    @pytest.mark.parametrize("aid", [str(uuid4()), "not-a-uuid"])
    async def test_an_unknown_attendance_is_a_404_page(
        self, api: httpx.AsyncClient, teacher: Account, aid: str
    ) -> None:
        page = await api.get(page_url(aid))
        assert page.status_code == 404
        assert "There is no such attendance." in page.text

    async def test_an_admin_may_look(
        self, api: httpx.AsyncClient, stored: UUID, make_user: MakeUser
    ) -> None:
        api.cookies.clear()
        await page_login(api, await make_user("admin", login=False))
        assert (await api.get(page_url(stored))).status_code == 200

    async def test_a_student_may_not(
        self, api: httpx.AsyncClient, stored: UUID, make_user: MakeUser
    ) -> None:
        api.cookies.clear()
        await page_login(api, await make_user("student", login=False))
        assert (await api.get(page_url(stored))).status_code == 403


class TestCorrectRecord:
    async def test_sets_the_status_with_the_reason_and_says_so(
        self, api: httpx.AsyncClient, runtime: Runtime, stored: UUID, teacher: Account
    ) -> None:
        record_page = page_url(stored, "records", "S4")
        form = await api.get(record_page)
        assert 'id="status-rejected" name="status" type="radio" value="rejected" checked' in (
            form.text
        )
        data = {"status": "excused", "reason": "Doktor raporu getirdi"}
        response = await post_form(api, record_page, data, token_from=record_page)
        assert response.status_code == 303
        assert response.headers["location"] == page_url(stored) + "?done=record_saved#record-S4"
        record = await stored_record(runtime, stored, "S4")
        assert record is not None
        assert (record.status, record.decision_reason, record.fail_reason) == (
            RecordStatus.EXCUSED, "Doktor raporu getirdi", None,
        )  # fmt: skip
        assert record.decided_by == teacher.user_number
        [entry] = [e for e in await audit_of(runtime, stored) if e.action == "record_saved"]
        assert entry.details["reason"] == "Doktor raporu getirdi"
        page = await api.get(response.headers["location"])
        assert "The check-in was changed." in page.text
        assert "Excused 1" in main_text(page.text)

    async def test_without_a_reason_the_form_says_why_it_is_needed(
        self, api: httpx.AsyncClient, runtime: Runtime, stored: UUID
    ) -> None:
        record_page = page_url(stored, "records", "S1")
        response = await post_form(
            api, record_page, {"status": "absent", "reason": " "}, token_from=record_page
        )
        assert response.status_code == 422
        assert "Give a reason: this attendance is stored" in response.text
        assert 'value="absent" checked' in response.text
        record = await stored_record(runtime, stored, "S1")
        assert record is not None
        assert record.status is RecordStatus.PRESENT

    @pytest.mark.parametrize(
        ("data", "field", "message"),
        [
            ({"status": "pending", "reason": "r"}, "status", "Choose the status."),
            ({"reason": "r"}, "status", "Choose the status."),
            ({"status": "late", "reason": "ç" * 501}, "reason", "at most 500 characters"),
            ({"status": "late", "reason": "a\x00b"}, "reason", "at most 500 characters"),
        ],
    )
    async def test_bad_input_is_said_at_its_field_keeping_what_was_typed(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        stored: UUID,
        data: dict[str, str],
        field: str,
        message: str,
    ) -> None:
        record_page = page_url(stored, "records", "S1")
        response = await post_form(api, record_page, data, token_from=record_page)
        assert response.status_code == 422
        assert f'id="{field}-error"' in response.text
        assert message in response.text
        if "ç" in data["reason"]:
            assert field_value(response.text, "reason") == data["reason"]
        record = await stored_record(runtime, stored, "S1")
        assert record is not None
        assert record.status is RecordStatus.PRESENT

    @pytest.mark.parametrize("number", ["S404", "bad number!"])
    async def test_an_unknown_record_is_a_404_page(
        self, api: httpx.AsyncClient, stored: UUID, number: str
    ) -> None:
        page = await api.get(page_url(stored, "records", number))
        assert page.status_code == 404
        assert "There is no such check-in." in page.text

    async def test_a_cross_site_post_changes_nothing(
        self, api: httpx.AsyncClient, runtime: Runtime, stored: UUID
    ) -> None:
        record_page = page_url(stored, "records", "S1")
        token = csrf_of((await api.get(record_page)).text)
        data = {"csrf_token": token, "status": "absent", "reason": "r"}
        assert (await api.post(record_page, data=data, headers=CROSS_SITE)).status_code == 403
        record = await stored_record(runtime, stored, "S1")
        assert record is not None
        assert record.status is RecordStatus.PRESENT

    async def test_another_teachers_record_is_refused(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser, stored: UUID
    ) -> None:
        other = await make_user("teacher")
        theirs = await store_attendance(runtime, other, students=STUDENTS)
        data = {"status": "absent", "reason": "r"}
        mine = page_url(stored, "records", "S1")
        response = await post_form(api, page_url(theirs, "records", "S1"), data, token_from=mine)
        assert response.status_code == 403
        record = await stored_record(runtime, theirs, "S1")
        assert record is not None
        assert record.status is RecordStatus.PRESENT


class TestDeleteRecord:
    async def test_deletes_with_the_reason_and_the_list_leaves_it_out(
        self, api: httpx.AsyncClient, runtime: Runtime, stored: UUID
    ) -> None:
        record_page = page_url(stored, "records", "S2")
        data = {"delete_reason": "Derste değildi"}
        response = await post_form(api, record_page + "/delete", data, token_from=record_page)
        assert response.status_code == 303
        assert response.headers["location"] == page_url(stored) + "?done=record_deleted#records"
        record = await stored_record(runtime, stored, "S2")
        assert record is not None
        assert record.deletion_reason == "Derste değildi"
        page = await api.get(response.headers["location"])
        assert "The check-in was deleted." in page.text
        assert "Ece Öztürk" not in page.text
        assert "3 check-ins Present 1 Late 1 Rejected 1" in main_text(page.text)
        assert (await api.get(record_page)).status_code == 404

    async def test_without_a_reason_nothing_is_deleted(
        self, api: httpx.AsyncClient, runtime: Runtime, stored: UUID
    ) -> None:
        record_page = page_url(stored, "records", "S2")
        response = await post_form(
            api, record_page + "/delete", {"delete_reason": ""}, token_from=record_page
        )
        assert response.status_code == 422
        assert 'id="delete_reason-error"' in response.text
        record = await stored_record(runtime, stored, "S2")
        assert record is not None
        assert record.deleted_at is None


class TestDeleteAttendance:
    async def test_asks_for_a_reason_and_a_confirmation(
        self, api: httpx.AsyncClient, runtime: Runtime, stored: UUID
    ) -> None:
        delete_page = page_url(stored, "delete")
        response = await post_form(
            api, delete_page, {"reason": "Yanlış ders"}, token_from=delete_page
        )
        assert response.status_code == 422
        assert "Tick the box to confirm the deletion." in response.text
        assert field_value(response.text, "reason") == "Yanlış ders"
        response = await post_form(api, delete_page, {"confirm": "yes"}, token_from=delete_page)
        assert response.status_code == 422
        assert "Give the reason, at most 500 characters." in response.text
        assert 'name="confirm" type="checkbox" value="yes" checked' in response.text
        async with runtime.sessionmaker() as session:
            assert await repository.get_attendance(session, stored) is not None

    async def test_deletes_it_and_the_history_leaves_it_out(
        self, api: httpx.AsyncClient, runtime: Runtime, stored: UUID
    ) -> None:
        delete_page = page_url(stored, "delete")
        data = {"reason": "Yanlış ders", "confirm": "yes"}
        response = await post_form(api, delete_page, data, token_from=delete_page)
        assert response.status_code == 303
        assert response.headers["location"] == page_url(stored) + "?done=deleted"
        page = await api.get(response.headers["location"])
        text = main_text(page.text)
        assert "The attendance was deleted." in text
        assert "Reason: Yanlış ders" in text
        assert f'href="{page_url(stored, "delete")}"' not in page.text
        assert f'href="{page_url(stored, "records", "S1")}"' not in page.text
        assert str(stored) not in (await api.get("/teacher")).text
        again = await api.get(delete_page)
        assert "This attendance was already deleted." in again.text
        response = await post_form(api, delete_page, data, token_from=delete_page)
        assert response.status_code == 409
        assert "This attendance was already deleted." in response.text

    async def test_a_live_attendance_is_deleted_too(
        self, api: httpx.AsyncClient, runtime: Runtime, teacher: Account
    ) -> None:
        live = await start(api, teacher)
        delete_page = page_url(live["attendance_id"], "delete")
        data = {"reason": "Yanlışlıkla başlattım", "confirm": "yes"}
        response = await post_form(api, delete_page, data, token_from=delete_page)
        assert response.status_code == 303
        lesson = await runtime.redis_client.get_lesson(live["attendance_id"])
        assert lesson is not None
        assert lesson.deletion_reason == "Yanlışlıkla başlattım"

    async def test_a_cross_site_post_deletes_nothing(
        self, api: httpx.AsyncClient, runtime: Runtime, stored: UUID
    ) -> None:
        delete_page = page_url(stored, "delete")
        token = csrf_of((await api.get(delete_page)).text)
        data = {"csrf_token": token, "reason": "r", "confirm": "yes"}
        assert (await api.post(delete_page, data=data, headers=CROSS_SITE)).status_code == 403
        async with runtime.sessionmaker() as session:
            assert await repository.get_attendance(session, stored) is not None


class TestExport:
    async def test_downloads_the_apis_csv(
        self, api: httpx.AsyncClient, stored: UUID, teacher: Account
    ) -> None:
        response = await api.get(page_url(stored, "export.csv"))
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.headers["content-disposition"].startswith("attachment;")
        assert response.content.startswith("\ufeff".encode())
        from_api = await api.get(url(stored, "export.csv"), headers=teacher.headers)
        assert response.content == from_api.content
        assert "Işık Çelik" in response.content.decode()

    async def test_refusals_are_pages(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser, teacher: Account
    ) -> None:
        other = await make_user("teacher")
        theirs = await store_attendance(runtime, other, students=STUDENTS)
        refused = await api.get(page_url(theirs, "export.csv"))
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
        assert (await api.get(page_url(uuid4(), "export.csv"))).status_code == 404


@pytest.mark.parametrize("parts", [(), ("records", "S1"), ("delete",)])
async def test_the_pages_carry_no_inline_script_or_style(
    api: httpx.AsyncClient, stored: UUID, parts: tuple[str, ...]
) -> None:
    page = await api.get(page_url(stored, *parts))
    assert page.status_code == 200
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.text)
    assert "<style" not in page.text
    assert " style=" not in page.text
    assert page.text.count("<h1") == 1
