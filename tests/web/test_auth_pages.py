"""Everyone's pages: landing, login, logout, the language switch, error pages, assets.

Played as a browser would (form posts, cookies, redirects) on the real app with real
Redis and SQL; the browser tests (tests/browser) play the same with Chromium.
"""

from __future__ import annotations

import re

import httpx
import pytest

from attn.web.headers import CONTENT_SECURITY_POLICY
from tests.fixtures.app import Account, MakeUser

SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


async def log_in(api: httpx.AsyncClient, account: Account, **form: str) -> httpx.Response:
    data = {"user_number": account.user_number, "password": account.password, **form}
    return await api.post("/login", data=data, headers=SAME_ORIGIN)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert found, "a logged-in page carries its CSRF token in its forms"
    return found.group(1)


class TestLanding:
    async def test_says_what_attn_is_and_leads_to_log_in(self, api: httpx.AsyncClient) -> None:
        response = await api.get("/")
        assert response.status_code == 200
        assert 'href="/login"' in response.text
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
        assert response.headers["cache-control"] == "no-store"

    async def test_has_no_inline_script_or_style(self, api: httpx.AsyncClient) -> None:
        html = (await api.get("/login")).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert "<style" not in html
        assert " style=" not in html

    async def test_speaks_the_browsers_language(self, api: httpx.AsyncClient) -> None:
        response = await api.get("/", headers={"Accept-Language": "tr-TR,tr;q=0.9,en;q=0.5"})
        assert '<html lang="tr">' in response.text
        assert "Giriş yap" in response.text
        english = await api.get("/", headers={"Accept-Language": "de, en;q=0.3"})
        assert '<html lang="en">' in english.text


class TestLogin:
    @pytest.mark.parametrize(("role", "home"), [("teacher", "/teacher"), ("admin", "/admin")])
    async def test_each_role_lands_on_its_home(
        self, api: httpx.AsyncClient, make_user: MakeUser, role: str, home: str
    ) -> None:
        account = await make_user(role, name="Ayşe Yılmaz", login=False)
        response = await log_in(api, account)
        assert response.status_code == 303
        assert response.headers["location"] == home
        assert api.cookies.get("attn_session")
        page = await api.get(home)
        assert page.status_code == 200
        assert "Ayşe Yılmaz" in page.text

    async def test_a_wrong_password_shows_the_form_again_keeping_the_number(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        account = await make_user("teacher", login=False)
        response = await api.post(
            "/login",
            data={"user_number": account.user_number, "password": "wrong"},
            headers={**SAME_ORIGIN, "Accept-Language": "tr"},
        )
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("text/html")
        assert "Okul numarası veya şifre yanlış." in response.text
        assert f'value="{account.user_number}"' in response.text
        assert 'class="error-summary"' in response.text
        assert "wrong" not in response.text.split("<main", 1)[1].split("</main>")[0]
        assert "attn_session" not in api.cookies

    async def test_an_empty_form_says_what_is_missing(self, api: httpx.AsyncClient) -> None:
        response = await api.post("/login", data={}, headers=SAME_ORIGIN)
        assert response.status_code == 401
        assert "Enter your school number and password." in response.text

    async def test_goes_on_to_next_but_never_to_another_site(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        account = await make_user("teacher", login=False)
        response = await log_in(api, account, next="/teacher?page=2")
        assert response.headers["location"] == "/teacher?page=2"
        other = await make_user("teacher", login=False)
        for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
            api.cookies.clear()
            response = await log_in(api, other, next=evil)
            assert response.headers["location"] == "/teacher", evil

    async def test_a_page_that_needs_a_login_sends_there_and_back(
        self, api: httpx.AsyncClient
    ) -> None:
        response = await api.get("/teacher?x=1")
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=%2Fteacher%3Fx%3D1"

    async def test_a_student_who_asks_is_remembered_on_this_phone(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        account = await make_user("student", login=False)
        response = await log_in(api, account, remember="1", device_id="web-0123456789abcdef")
        assert response.headers["location"] == "/student"
        assert "attn_remember" in response.headers.get_list("set-cookie")[-1]

    async def test_a_post_from_another_site_is_refused_as_a_page(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        account = await make_user("teacher", login=False)
        response = await api.post(
            "/login",
            data={"user_number": account.user_number, "password": account.password},
            headers={"Sec-Fetch-Site": "cross-site"},
        )
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
        assert "This form was sent from another site." in response.text
        assert "attn_session" not in api.cookies
        by_origin = await api.post("/login", data={}, headers={"Origin": "https://evil.example"})
        assert by_origin.status_code == 403


class TestRolesAndLogout:
    async def test_the_wrong_role_gets_a_page_not_json(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        await log_in(api, await make_user("student", login=False))
        response = await api.get("/admin", headers={"Accept-Language": "tr"})
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
        assert "Bu sayfa sizin rolünüz için değil." in response.text

    async def test_logout_needs_the_forms_token_and_ends_the_session(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        await log_in(api, await make_user("teacher", login=False))
        home = await api.get("/teacher")
        refused = await api.post("/logout", data={"csrf_token": "0" * 64}, headers=SAME_ORIGIN)
        assert refused.status_code == 403
        assert (await api.get("/teacher")).status_code == 200  # still logged in
        token = csrf_of(home.text)
        response = await api.post("/logout", data={"csrf_token": token}, headers=SAME_ORIGIN)
        assert response.status_code == 303
        assert response.headers["location"] == "/"
        assert (await api.get("/teacher")).status_code == 303  # to the login page


class TestLanguageSwitch:
    async def test_the_choice_is_remembered_over_the_browsers(self, api: httpx.AsyncClient) -> None:
        response = await api.post(
            "/language", data={"language": "tr", "next": "/login"}, headers=SAME_ORIGIN
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/login"
        page = await api.get("/login", headers={"Accept-Language": "en"})
        assert '<html lang="tr">' in page.text

    async def test_an_unknown_language_changes_nothing(self, api: httpx.AsyncClient) -> None:
        response = await api.post("/language", data={"language": "xx"}, headers=SAME_ORIGIN)
        assert response.status_code == 303
        assert "attn_lang" not in api.cookies


class TestErrorsAndAssets:
    async def test_an_unknown_page_is_a_page_and_the_api_stays_json(
        self, api: httpx.AsyncClient
    ) -> None:
        page = await api.get("/no/such/page", headers={"Accept-Language": "tr"})
        assert page.status_code == 404
        assert "Böyle bir sayfa yok." in page.text
        data = await api.get("/api/v1/no/such/route")
        assert data.status_code == 404
        assert data.json()["error"]["code"] == "not_found"
        assert "content-security-policy" not in data.headers

    async def test_assets_are_versioned_and_kept_for_a_year(self, api: httpx.AsyncClient) -> None:
        html = (await api.get("/login")).text
        found = re.search(r'href="(/static/([0-9a-f]{12})/attn\.css)"', html)
        assert found
        response = await api.get(found.group(1))
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/css")
        assert "immutable" in response.headers["cache-control"]
        stale = await api.get("/static/000000000000/attn.css")
        assert stale.status_code == 404
        outside = await api.get(f"/static/{found.group(2)}/../templates/base.html")
        assert outside.status_code == 404
