"""The CSV import pages: upload → preview (every row and every problem with its line,
nothing written) → confirm → result; a preview confirmed once, only by its admin."""

from __future__ import annotations

import re

import httpx

from attn.api.users import MAX_IMPORT_BODY_BYTES
from attn.db.sql import repository
from attn.models import Role
from attn.runtime import Runtime
from tests.fixtures.app import MakeUser
from tests.web.admin_pages import logged_in, main_text, post_form
from tests.web.test_auth_pages import SAME_ORIGIN, csrf_of, log_in

GOOD = (
    "user_number,full_name,role,password\n"
    "2024001,Ayşe Yılmaz,student,\n"
    "T100,Mehmet Öztürk,teacher,a long passphrase\n"
)
BAD = (
    "2024001,Ayşe Yılmaz,student\n2024002,,student\n2024001,Again,student\nX,Y\nA0001,Taken,admin\n"
)


async def numbers(runtime: Runtime) -> list[str]:
    async with runtime.sessionmaker() as session:
        return [user.user_number for user in (await repository.list_users(session)).items]


async def upload(
    api: httpx.AsyncClient, content: bytes | str, on_existing: str = "error"
) -> httpx.Response:
    page = await api.get("/admin/import")
    data = {"csrf_token": csrf_of(page.text), "on_existing": on_existing}
    raw = content.encode() if isinstance(content, str) else content
    files = {"file": ("users.csv", raw, "text/csv")}
    return await api.post("/admin/import", data=data, files=files, headers=SAME_ORIGIN)


class TestPreview:
    async def test_lists_every_row_and_writes_nothing_until_confirmed(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user)
        uploaded = await upload(api, GOOD)
        assert uploaded.status_code == 303
        preview_url = uploaded.headers["location"]
        assert re.fullmatch(r"/admin/import/[0-9a-f]{32}", preview_url)
        preview = await api.get(preview_url)
        text = main_text(preview)
        assert "Nothing has been saved yet." in text
        assert "Line 2 2024001 Ayşe Yılmaz Student None Create" in text
        assert "Line 3 T100 Mehmet Öztürk Teacher Given Create" in text
        assert "a long passphrase" not in preview.text
        assert await numbers(runtime) == ["A0001"]
        assert (await api.get(preview_url)).status_code == 200  # a reload is harmless

        result = await post_form(api, preview_url, preview_url)
        assert result.status_code == 200
        assert "The import is done: 2 created, 0 updated, 0 skipped." in main_text(result)
        assert await numbers(runtime) == ["2024001", "A0001", "T100"]
        again = await post_form(api, "/admin/import", preview_url)
        assert again.status_code == 404
        assert "Upload the file again." in main_text(again)

    async def test_every_problem_is_listed_with_its_line_and_there_is_no_confirm(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user)
        uploaded = await upload(api, BAD)
        preview = await api.get(uploaded.headers["location"])
        text = main_text(preview)
        assert "The file has 4 problems." in text
        assert re.search(r"Line 2 2024002 A value is not valid\. full_name", text)
        assert (
            "Line 3 2024001 This number is in the file twice. user 2024001 is also on line 1"
            in text
        )
        assert "Line 4 X The line needs 3 or 4 columns." in text
        assert "Line 5 A0001 A user with this number exists already." in text
        assert "Confirm the import" not in text
        assert await numbers(runtime) == ["A0001"]

    async def test_skip_and_update_say_what_happens_to_existing_numbers(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user)
        await make_user(Role.STUDENT, number="2024001", name="Old Name", login=False)
        skip = await api.get((await upload(api, GOOD, "skip")).headers["location"])
        assert "Line 2 2024001 Ayşe Yılmaz Student None Skip" in main_text(skip)
        update_url = (await upload(api, GOOD, "update")).headers["location"]
        update = await api.get(update_url)
        assert "Line 2 2024001 Ayşe Yılmaz Student None Update" in main_text(update)
        result = await post_form(api, update_url, update_url)
        assert "1 created, 1 updated, 0 skipped" in main_text(result)
        async with runtime.sessionmaker() as session:
            user = await repository.get_user(session, "2024001")
        assert user is not None
        assert user.full_name == "Ayşe Yılmaz"

    async def test_a_change_since_the_preview_is_reported_and_nothing_written(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user)
        preview_url = (await upload(api, GOOD)).headers["location"]
        preview = await api.get(preview_url)
        await make_user(Role.TEACHER, number="T100", login=False)  # meanwhile
        form = {"csrf_token": csrf_of(preview.text)}
        result = await api.post(preview_url, data=form, headers=SAME_ORIGIN)
        assert result.status_code == 422
        text = main_text(result)
        assert "Nothing was imported" in text
        assert "Line 3 T100 A user with this number exists already." in text
        assert await numbers(runtime) == ["A0001", "T100"]

    async def test_another_admin_cannot_open_or_confirm_it(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user)
        preview_url = (await upload(api, GOOD)).headers["location"]
        api.cookies.clear()
        await log_in(api, await make_user(Role.ADMIN, number="A0002", login=False))
        assert (await api.get(preview_url)).status_code == 404
        assert (await post_form(api, "/admin/import", preview_url)).status_code == 404
        assert await numbers(runtime) == ["A0001", "A0002"]


class TestUploadForm:
    async def test_no_file_or_an_empty_one_is_named_on_the_form(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user)
        empty = await upload(api, b"", "skip")
        assert empty.status_code == 422
        assert "Choose a CSV file that is not empty." in main_text(empty)
        assert 'value="skip" id="on_existing-skip" checked' in empty.text
        no_file = await post_form(api, "/admin/import", "/admin/import", {"on_existing": "update"})
        assert no_file.status_code == 422
        odd = await upload(api, GOOD, "explode")
        assert "Choose what to do with numbers that exist." in main_text(odd)

    async def test_an_unreadable_file_is_a_problem_on_line_1(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user)
        preview = await api.get((await upload(api, b"\x00\xff\xfe\x00garbage")).headers["location"])
        assert "Line 1" in main_text(preview)
        assert "Confirm the import" not in preview.text

    async def test_csrf_and_origin_are_enforced(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user)
        files = {"file": ("users.csv", GOOD.encode(), "text/csv")}
        forged = await api.post(
            "/admin/import",
            data={"csrf_token": "0" * 64, "on_existing": "error"},
            files=files,
            headers=SAME_ORIGIN,
        )
        assert forged.status_code == 403
        cross = await api.post(
            "/admin/import",
            data={"on_existing": "error"},
            files=files,
            headers={"Sec-Fetch-Site": "cross-site"},
        )
        assert cross.status_code == 403
        preview_url = (await upload(api, GOOD)).headers["location"]
        refused = await api.post(preview_url, data={"csrf_token": "0" * 64}, headers=SAME_ORIGIN)
        assert refused.status_code == 403
        assert (await api.get(preview_url)).status_code == 200  # the draft is still there

    async def test_a_teacher_is_refused(self, api: httpx.AsyncClient, make_user: MakeUser) -> None:
        await logged_in(api, make_user, Role.TEACHER)
        files = {"file": ("users.csv", GOOD.encode(), "text/csv")}
        response = await api.post("/admin/import", files=files, headers=SAME_ORIGIN)
        assert response.status_code == 403


class TestTooLarge:
    """An upload over the limit gets the error page in the viewer's language, not JSON."""

    async def test_a_file_over_the_limit_is_an_error_page(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user)
        page = await api.get("/admin/import")
        response = await api.post(
            "/admin/import",
            data={"csrf_token": csrf_of(page.text), "on_existing": "error"},
            files={"file": ("users.csv", b"x" * (MAX_IMPORT_BODY_BYTES + 1), "text/csv")},
            headers={**SAME_ORIGIN, "Accept-Language": "tr"},
        )
        assert response.status_code == 413
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["connection"] == "close"  # the rest is not read
        assert "Gönderdiğiniz veri çok büyük." in main_text(response)

    async def test_the_api_keeps_its_json_envelope(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        response = await api.post(
            "/api/v1/users/import", content=b"x" * (MAX_IMPORT_BODY_BYTES + 1)
        )
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "payload_too_large"
