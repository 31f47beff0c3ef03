"""The admin's user pages, played as a browser would: list and search, create, correct,
a new password, deactivate (with its confirmation step) and reactivate, end sessions.
Each action's happy path, its bad input kept and named, CSRF, and a teacher refused."""

from __future__ import annotations

import httpx
import pytest

from attn.db.sql import repository
from attn.models import Role
from attn.runtime import Runtime
from tests.fixtures.app import DEFAULT_PASSWORD, MakeUser
from tests.web.admin_pages import input_value, logged_in, main_text, post_form
from tests.web.test_auth_pages import SAME_ORIGIN

TR = {"Accept-Language": "tr"}


async def stored(runtime: Runtime, number: str) -> tuple[str, str, bool] | None:
    async with runtime.sessionmaker() as session:
        user = await repository.get_user(session, number)
    return None if user is None else (user.full_name, user.role.value, user.active)


async def audited(runtime: Runtime) -> list[str]:
    async with runtime.sessionmaker() as session:
        return [entry.action for entry in (await repository.list_audit(session)).items]


class TestDirectory:
    async def test_search_filters_and_pages(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user)
        for index in range(30):
            await make_user(
                Role.STUDENT, number=f"S{index:03d}", name=f"Öğrenci {index}", login=False
            )
        await make_user(Role.TEACHER, number="T1", name="Ayşe Yılmaz", login=False)
        first = await api.get("/admin/users")
        assert first.status_code == 200
        assert "32 users found." in main_text(first)
        assert "Page 1 of 2" in main_text(first)
        assert 'href="/admin/users?page=2"' in first.text
        second = await api.get("/admin/users", params={"page": 2})
        assert "T1" in main_text(second)
        assert "S000" not in main_text(second)
        found = await api.get("/admin/users", params={"q": "yilmaz"})
        assert "1 user found." in main_text(found)
        assert 'href="/admin/users/T1"' in found.text
        assert input_value(found, "q") == "yilmaz"
        students = await api.get("/admin/users", params={"role": "student", "q": "ogrenci 2"})
        assert "12 users found." in main_text(students)  # 2, 12, 20..29
        nonsense = await api.get("/admin/users", params={"role": "wizard", "state": "x"})
        assert nonsense.status_code == 200
        assert "32 users found." in main_text(nonsense)

    async def test_speaks_turkish(self, api: httpx.AsyncClient, make_user: MakeUser) -> None:
        await logged_in(api, make_user)
        page = await api.get("/admin/users", headers=TR)
        assert "Kullanıcılar" in page.text
        assert "1 kullanıcı bulundu." in main_text(page)

    @pytest.mark.parametrize(
        "path",
        [
            "/admin",
            "/admin/users",
            "/admin/users/new",
            "/admin/users/A0001",
            "/admin/users/A0001/deactivate",
            "/admin/import",
            "/admin/audit",
        ],
    )
    async def test_a_teacher_gets_the_403_page(
        self, api: httpx.AsyncClient, make_user: MakeUser, path: str
    ) -> None:
        await make_user(Role.ADMIN, number="A0001", login=False)
        await logged_in(api, make_user, Role.TEACHER)
        response = await api.get(path)
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
        assert "This page is not for your role." in response.text

    async def test_nobody_logged_in_goes_to_the_login_page(self, api: httpx.AsyncClient) -> None:
        response = await api.get("/admin/users?q=a")
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=%2Fadmin%2Fusers%3Fq%3Da"


class TestCreate:
    async def test_creates_and_shows_the_user(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user)
        form = {
            "user_number": " 2024001 ",
            "full_name": "Çağrı  Işık",
            "role": "student",
            "password": "",
        }
        response = await post_form(api, "/admin/users/new", "/admin/users", form)
        assert response.status_code == 303
        assert response.headers["location"] == "/admin/users/2024001?done=created"
        page = await api.get(response.headers["location"])
        assert "The user was created." in main_text(page)
        assert "None yet: cannot log in" in main_text(page)
        assert await stored(runtime, "2024001") == ("Çağrı Işık", "student", True)
        assert await audited(runtime) == ["user_created"]

    async def test_bad_input_is_named_and_what_was_typed_is_kept(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user)
        form = {
            "user_number": "no spaces",
            "full_name": "Ali <b>Veli</b>",
            "role": "wizard",
            "password": "short",
        }
        response = await post_form(api, "/admin/users/new", "/admin/users", form)
        assert response.status_code == 422
        text = main_text(response)
        assert "There is a problem" in text
        assert "Enter a school number" in text
        assert "Choose a role." in text
        assert "A password has 8 to 256 characters." in text
        assert input_value(response, "user_number") == "no spaces"
        assert input_value(response, "full_name") == "Ali <b>Veli</b>"
        assert "<b>Veli</b>" not in response.text  # escaped
        assert 'value="short"' not in response.text  # a password is never sent back
        assert await stored(runtime, "no spaces") is None

    @pytest.mark.parametrize(
        ("headers", "words"),
        [({}, "they are reserved"), (TR, "bunlar ayrılmıştır")],
        ids=["en", "tr"],
    )
    async def test_a_reserved_number_is_named_in_words(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        make_user: MakeUser,
        headers: dict[str, str],
        words: str,
    ) -> None:
        await logged_in(api, make_user)
        api.headers.update(headers)  # the page's language, for both requests of the form
        form = {"user_number": "roster", "full_name": "Ali Veli", "role": "student"}
        response = await post_form(api, "/admin/users/new", "/admin/users", form)
        assert response.status_code == 422
        assert words in main_text(response)
        assert input_value(response, "user_number") == "roster"
        assert await stored(runtime, "roster") is None

    async def test_a_taken_number_is_named(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user)
        form = {"user_number": "A0001", "full_name": "Someone", "role": "teacher", "password": ""}
        response = await post_form(api, "/admin/users/new", "/admin/users", form)
        assert response.status_code == 409
        assert "There is already a user with this number." in main_text(response)
        assert input_value(response, "full_name") == "Someone"

    async def test_csrf_and_origin_are_enforced(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user)
        form = {"user_number": "S1", "full_name": "X Y", "role": "student"}
        forged = await api.post(
            "/admin/users", data={**form, "csrf_token": "0" * 64}, headers=SAME_ORIGIN
        )
        assert forged.status_code == 403
        assert "This form has expired." in forged.text
        cross = await post_form(api, "/admin/users/new", "/admin/users", form)
        assert cross.status_code == 303  # the same form from this site works
        elsewhere = await api.post(
            "/admin/users", data=form, headers={"Sec-Fetch-Site": "cross-site"}
        )
        assert elsewhere.status_code == 403
        assert await audited(runtime) == ["user_created"]


class TestAccount:
    async def test_correct_name_and_role(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user)
        await make_user(Role.STUDENT, number="S1", name="Ali Veli", login=False)
        response = await post_form(
            api,
            "/admin/users/S1",
            "/admin/users/S1",
            {"full_name": "Ali Veli Can", "role": "teacher"},
        )
        assert (response.status_code, response.headers["location"]) == (
            303,
            "/admin/users/S1?done=saved",
        )
        assert await stored(runtime, "S1") == ("Ali Veli Can", "teacher", True)
        bad = await post_form(
            api, "/admin/users/S1", "/admin/users/S1", {"full_name": " ", "role": "teacher"}
        )
        assert bad.status_code == 422
        assert "Enter the full name" in main_text(bad)
        assert await stored(runtime, "S1") == ("Ali Veli Can", "teacher", True)

    async def test_reset_password_ends_the_sessions(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user)
        teacher = await make_user(Role.TEACHER, number="T1")
        short = await post_form(
            api, "/admin/users/T1", "/admin/users/T1/password", {"password": "short"}
        )
        assert short.status_code == 422
        assert "A password has 8 to 256 characters." in main_text(short)
        response = await post_form(
            api, "/admin/users/T1", "/admin/users/T1/password", {"password": "brand new words"}
        )
        assert response.headers["location"] == "/admin/users/T1?done=password"
        assert await runtime.redis_client.get_user_session("T1") is None
        assert teacher.token  # its session is gone, and so is the old password:
        login = await api.post(
            "/api/v1/auth/login", json={"user_number": "T1", "password": DEFAULT_PASSWORD}
        )
        assert login.status_code == 401
        assert await audited(runtime) == ["password_reset"]

    async def test_deactivate_takes_a_confirmation_and_reactivate_undoes_it(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user)
        await make_user(Role.STUDENT, number="S1", name="Ali Veli")
        page = await api.get("/admin/users/S1")
        assert 'href="/admin/users/S1/deactivate"' in page.text
        confirm = await api.get("/admin/users/S1/deactivate")
        assert "Deactivate Ali Veli?" in main_text(confirm)
        assert await stored(runtime, "S1") == ("Ali Veli", "student", True)  # not yet
        done = await post_form(api, "/admin/users/S1/deactivate", "/admin/users/S1/deactivate")
        assert done.headers["location"] == "/admin/users/S1?done=deactivated"
        assert await stored(runtime, "S1") == ("Ali Veli", "student", False)
        assert await runtime.redis_client.get_user_session("S1") is None
        shown = await api.get(done.headers["location"])
        assert "Deactivated" in main_text(shown)
        assert "Reactivate" in main_text(shown)
        back = await post_form(api, "/admin/users/S1", "/admin/users/S1/reactivate")
        assert back.headers["location"] == "/admin/users/S1?done=reactivated"
        assert await stored(runtime, "S1") == ("Ali Veli", "student", True)
        assert await audited(runtime) == ["user_reactivated", "user_deactivated"]

    async def test_not_ones_own_account(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user)
        page = await api.get("/admin/users/A0001")
        assert "/admin/users/A0001/deactivate" not in page.text
        refused = await post_form(
            api, "/admin/users/A0001/deactivate", "/admin/users/A0001/deactivate"
        )
        assert refused.status_code == 409
        assert "You cannot deactivate the account you are logged in with." in main_text(refused)
        assert await stored(runtime, "A0001") is not None
        assert (await api.get("/admin/users")).status_code == 200  # still logged in

    async def test_end_sessions_after_confirmation(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user)
        await make_user(Role.TEACHER, number="T1")
        assert await runtime.redis_client.get_user_session("T1") is not None
        confirm = await api.get("/admin/users/T1/end-sessions")
        assert "End the sessions of" in main_text(confirm)
        done = await post_form(api, "/admin/users/T1/end-sessions", "/admin/users/T1/end-sessions")
        assert done.headers["location"] == "/admin/users/T1?done=sessions"
        assert await runtime.redis_client.get_user_session("T1") is None
        assert await audited(runtime) == ["sessions_ended"]

    async def test_unknown_and_malformed_numbers_are_pages(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user)
        unknown = await api.get("/admin/users/NOBODY")
        assert unknown.status_code == 404
        assert "There is no such user." in unknown.text
        assert (await api.get("/admin/users/NOBODY/deactivate")).status_code == 404
        assert (await api.get("/admin/users/A0001/explode")).status_code == 404
        malformed = await api.get("/admin/users/a%7Db")
        assert malformed.status_code == 422
        assert malformed.headers["content-type"].startswith("text/html")

    async def test_a_forged_token_changes_nothing(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        await logged_in(api, make_user)
        await make_user(Role.STUDENT, number="S1", name="Ali Veli", login=False)
        for action, data in [
            ("/admin/users/S1", {"full_name": "X", "role": "admin"}),
            ("/admin/users/S1/password", {"password": "brand new words"}),
            ("/admin/users/S1/deactivate", {}),
            ("/admin/users/S1/end-sessions", {}),
            ("/admin/users/S1/reactivate", {}),
        ]:
            response = await api.post(
                action, data={**data, "csrf_token": "f" * 64}, headers=SAME_ORIGIN
            )
            assert response.status_code == 403, action
        assert await stored(runtime, "S1") == ("Ali Veli", "student", True)
        assert await audited(runtime) == []
