"""Check-in security through the HTTP API, part 2: the network check (IPv4, IPv6, trusted
proxies), the device check (one device, one student; the teacher's view of shared devices),
the request formats, and the checks in combination."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from attn.clock import FrozenClock
from attn.config import Settings
from attn.runtime import Runtime
from tests.fixtures.app import error_code
from tests.fixtures.checkin import QuickUser
from tests.helpers.attendance_api import persist, url
from tests.helpers.checkin_api import (
    OTHER_PHONE,
    PHONE,
    check_in,
    client_at,
    current_code,
    start_checked,
    wrong,
)

CLASSROOM = ["10.20.30.0/24", "2001:db8:20:30::/64"]


class TestNetwork:
    @pytest.mark.parametrize(
        ("client", "status", "fail_reason"),
        [
            ("10.20.30.17", "present", None),
            ("10.20.31.17", "rejected", "network_mismatch"),
            ("2001:db8:20:30::beef", "present", None),
            ("2001:db8:20:31::beef", "rejected", "network_mismatch"),
            ("::ffff:10.20.30.18", "present", None),
        ],
    )
    async def test_client_address_must_be_in_the_ranges(
        self,
        api: httpx.AsyncClient,
        app: FastAPI,
        quick_user: QuickUser,
        client: str,
        status: str,
        fail_reason: str | None,
    ) -> None:
        teacher, student = await quick_user("teacher"), await quick_user("student")
        checks = {"network": True, "allowed_networks": CLASSROOM}
        aid = (await start_checked(api, teacher, checks))["attendance_id"]
        async with client_at(app, client) as from_there:
            response = await check_in(from_there, student, aid)
        assert response.status_code == 201, response.text
        record = response.json()
        assert (record["status"], record["fail_reason"]) == (status, fail_reason)
        assert record["client_ip"] == client.removeprefix("::ffff:")

    async def test_default_is_the_teachers_own_address(
        self, app: FastAPI, quick_user: QuickUser
    ) -> None:
        teacher = await quick_user("teacher")
        inside, outside = await quick_user("student"), await quick_user("student")
        async with client_at(app, "2001:db8:77::1") as classroom:
            aid = (await start_checked(classroom, teacher, {"network": True}))["attendance_id"]
            assert (await check_in(classroom, inside, aid)).json()["status"] == "present"
        async with client_at(app, "2001:db8:77::2") as elsewhere:
            response = await check_in(elsewhere, outside, aid)
        assert response.json()["fail_reason"] == "network_mismatch"

    async def test_forwarded_for_from_an_untrusted_peer_is_ignored(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher, student = await quick_user("teacher"), await quick_user("student")
        checks = {"network": True, "allowed_networks": CLASSROOM}
        aid = (await start_checked(api, teacher, checks))["attendance_id"]
        response = await check_in(api, student, aid, headers={"X-Forwarded-For": "10.20.30.9"})
        assert (response.json()["client_ip"], response.json()["fail_reason"]) == (
            "127.0.0.1",
            "network_mismatch",
        )


class TestNetworkBehindATrustedProxy:
    @pytest.fixture
    def app_settings(self, app_settings: Settings) -> Settings:
        return app_settings.model_copy(update={"trusted_proxies": ["127.0.0.1/32", "::1/128"]})

    @pytest.mark.parametrize(
        ("forwarded", "status"),
        [
            ("10.20.30.9", "present"),
            ("2001:db8:20:30::9", "present"),
            ("10.20.30.9, 198.51.100.4", "rejected"),  # the proxy saw 198.51.100.4
            ("198.51.100.4, 10.20.30.9", "present"),  # left entries are the client's word
        ],
    )
    async def test_the_proxys_forwarded_for_is_honoured(
        self, api: httpx.AsyncClient, quick_user: QuickUser, forwarded: str, status: str
    ) -> None:
        teacher, student = await quick_user("teacher"), await quick_user("student")
        checks = {"network": True, "allowed_networks": CLASSROOM}
        aid = (await start_checked(api, teacher, checks))["attendance_id"]
        response = await check_in(api, student, aid, headers={"X-Forwarded-For": forwarded})
        assert response.json()["status"] == status, response.text

    async def test_a_peer_that_is_not_the_proxy_is_not_believed(
        self, app: FastAPI, quick_user: QuickUser
    ) -> None:
        teacher, student = await quick_user("teacher"), await quick_user("student")
        checks = {"network": True, "allowed_networks": CLASSROOM}
        async with client_at(app, "198.51.100.4") as outsider:
            aid = (await start_checked(outsider, teacher, checks))["attendance_id"]
            forged = {"X-Forwarded-For": "10.20.30.9"}
            response = await check_in(outsider, student, aid, headers=forged)
        assert response.json()["fail_reason"] == "network_mismatch"


class TestDevice:
    async def test_second_student_on_a_device_is_rejected_and_listed(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher = await quick_user("teacher")
        owner, friend, third = [await quick_user("student") for _ in range(3)]
        aid = (await start_checked(api, teacher, {"device": True}))["attendance_id"]
        first = await check_in(api, owner, aid, device=PHONE)
        assert (first.json()["status"], first.json()["device_id"]) == ("present", PHONE)
        proxy = await check_in(api, friend, aid, device=PHONE)
        assert proxy.status_code == 201
        assert (proxy.json()["status"], proxy.json()["fail_reason"]) == (
            "rejected",
            "device_reused",
        )
        assert (await check_in(api, third, aid, device=OTHER_PHONE)).json()["status"] == "present"
        # The friend on their own phone a moment later is fine: attempt 2.
        retry = await check_in(api, friend, aid, device=OTHER_PHONE + "-x")
        assert (retry.json()["status"], retry.json()["attempt_count"]) == ("present", 2)
        view = await api.get(url(aid, "devices"), headers=teacher.headers)
        assert view.status_code == 200
        assert view.json() == {
            "attendance_id": aid,
            "source": "live",
            "devices": [
                {
                    "device_id": PHONE,
                    "holder": owner.user_number,
                    "students": [owner.user_number, friend.user_number],
                }
            ],
        }

    async def test_the_view_after_persistence_comes_from_the_records(
        self, api: httpx.AsyncClient, runtime: Runtime, quick_user: QuickUser
    ) -> None:
        teacher = await quick_user("teacher")
        owner, friend = await quick_user("student"), await quick_user("student")
        aid = (await start_checked(api, teacher, {"device": True}))["attendance_id"]
        await check_in(api, owner, aid, device=PHONE)
        await check_in(api, friend, aid, device=PHONE)
        await api.post(url(aid, "finish"), headers=teacher.headers)
        await persist(runtime)
        view = (await api.get(url(aid, "devices"), headers=teacher.headers)).json()
        assert view["source"] == "archive"
        assert view["devices"] == [
            {
                "device_id": PHONE,
                "holder": None,
                "students": sorted([owner.user_number, friend.user_number]),
            }
        ]

    @pytest.mark.parametrize(
        ("device", "code"), [(None, "device_id_required"), ("bad id!", "device_id_invalid")]
    )
    async def test_the_device_id_is_required_and_checked(
        self, api: httpx.AsyncClient, quick_user: QuickUser, device: str | None, code: str
    ) -> None:
        teacher, student = await quick_user("teacher"), await quick_user("student")
        aid = (await start_checked(api, teacher, {"device": True}))["attendance_id"]
        response = await check_in(api, student, aid, device=device)
        assert (response.status_code, error_code(response)) == (422, code)

    async def test_without_the_check_devices_are_kept_but_not_enforced(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher = await quick_user("teacher")
        one, two = await quick_user("student"), await quick_user("student")
        aid = (await start_checked(api, teacher, {}))["attendance_id"]
        for student in (one, two):
            response = await check_in(api, student, aid, device=PHONE)
            assert (response.json()["status"], response.json()["device_id"]) == ("present", PHONE)
        view = await api.get(url(aid, "devices"), headers=teacher.headers)
        assert view.json()["devices"] == []


class TestRequestFormats:
    async def test_no_body_json_and_multipart_all_work(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher = await quick_user("teacher")
        students = [await quick_user("student") for _ in range(4)]
        aid = (await start_checked(api, teacher, {"code": True}))["attendance_id"]
        code = await current_code(api, teacher, aid)
        target = url(aid, "check-in")
        sent = [
            await api.post(target, json={"code": code}, headers=students[0].headers),
            # multipart with a text field only (the web page always sends multipart)
            await api.post(target, files={"code": (None, code)}, headers=students[1].headers),
            await api.post(
                target,
                content=b"",
                headers={**students[2].headers, "Content-Type": "application/json"},
            ),
            await api.post(target, headers=students[3].headers),
        ]
        assert [r.status_code for r in sent] == [201] * 4
        assert [r.json()["fail_reason"] for r in sent] == [
            None,
            None,
            "code_invalid",
            "code_invalid",
        ]

    async def test_unsupported_and_malformed_bodies(
        self, api: httpx.AsyncClient, quick_user: QuickUser
    ) -> None:
        teacher, student = await quick_user("teacher"), await quick_user("student")
        aid = (await start_checked(api, teacher, {"code": True}))["attendance_id"]
        target = url(aid, "check-in")
        xml = await api.post(
            target, content=b"<code/>", headers={**student.headers, "Content-Type": "text/xml"}
        )
        assert (xml.status_code, error_code(xml)) == (415, "unsupported_media_type")
        for body in (b"{", b'{"code": 5}', b'{"code": "A", "extra": 1}', b'"x"'):
            bad = await api.post(
                target,
                content=body,
                headers={**student.headers, "Content-Type": "application/json"},
            )
            assert (bad.status_code, error_code(bad)) == (422, "invalid_input"), body
        too_long = await check_in(api, student, aid, code="A" * 33)
        assert too_long.status_code == 422


class TestCombinations:
    async def test_first_failed_check_is_the_reason_and_all_must_pass(
        self, api: httpx.AsyncClient, app: FastAPI, quick_user: QuickUser, clock: FrozenClock
    ) -> None:
        teacher = await quick_user("teacher")
        students = [await quick_user("student") for _ in range(4)]
        checks = {"code": True, "network": True, "allowed_networks": CLASSROOM, "device": True}
        aid = (await start_checked(api, teacher, checks))["attendance_id"]
        code = await current_code(api, teacher, aid)
        async with client_at(app, "10.20.30.40") as inside, client_at(app, "10.9.9.9") as out:
            cases = [
                (out, students[0], wrong(code), PHONE, "code_invalid"),  # code before network
                (out, students[1], code, PHONE, "network_mismatch"),
                (inside, students[2], code, PHONE, None),  # the first good one holds PHONE
                (inside, students[3], code, PHONE, "device_reused"),
            ]
            for client, student, sent, device, reason in cases:
                response = await check_in(client, student, aid, code=sent, device=device)
                assert response.status_code == 201, response.text
                assert response.json()["fail_reason"] == reason
                assert response.json()["status"] == ("present" if reason is None else "rejected")
            # Failed attempts claimed nothing: the device went to the first good check-in.
            retry = await check_in(inside, students[0], aid, code=code, device=OTHER_PHONE)
            assert (retry.json()["status"], retry.json()["attempt_count"]) == ("present", 2)
        view = (await api.get(url(aid, "devices"), headers=teacher.headers)).json()
        assert view["devices"][0]["holder"] == students[2].user_number
        assert view["devices"][0]["students"][0] == students[2].user_number
