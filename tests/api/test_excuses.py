"""Excuse requests through HTTP on SQLite and PostgreSQL: who may ask and for what, the
note and the file (type by content, size), one open request, approval through the record
correction (record, versions of the audit log), decline with a reason, the outcome seen by
the student, and the download's headers; every refusal a clear 4xx that writes nothing."""

from __future__ import annotations

from uuid import uuid4

import httpx
import pytest
from sqlalchemy import func, select

from attn.config import Settings
from attn.db.sql.tables import AUDIT_LOG, EXCUSE_FILES, EXCUSES
from attn.models.api_excuses import MAX_FILE_BYTES
from attn.runtime import Runtime
from tests.fixtures.app import MakeUser, error_code
from tests.helpers.attendance_api import audit_of, start
from tests.helpers.databases import BOTH_DATABASES, on_database
from tests.helpers.excuses import HTML, JPEG, PDF, PNG, Scene, as_pdf, ask, make_scene


@pytest.fixture(params=BOTH_DATABASES)
def app_settings(request: pytest.FixtureRequest, app_settings: Settings) -> Settings:
    return on_database(request, app_settings)


@pytest.fixture
async def scene(runtime: Runtime, make_user: MakeUser) -> Scene:
    return await make_scene(runtime, make_user)


async def counts(runtime: Runtime) -> tuple[int, int, int]:
    """Requests, stored files and audit entries: what a refusal must leave as it was."""
    async with runtime.sessionmaker() as session:
        return (
            await session.scalar(select(func.count()).select_from(EXCUSES)) or 0,
            await session.scalar(select(func.count()).select_from(EXCUSE_FILES)) or 0,
            await session.scalar(select(func.count()).select_from(AUDIT_LOG)) or 0,
        )


class TestAsking:
    async def test_an_absent_student_asks_with_a_pdf(
        self, api: httpx.AsyncClient, runtime: Runtime, scene: Scene
    ) -> None:
        response = await ask(
            api, scene.absent, scene.attendance_id, file=("rapor ğüş.pdf", PDF, "application/pdf")
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["status"] == "requested"
        assert body["record_status"] == "absent"
        assert body["note"] == "Hastaydım; doktor raporu ekte."
        assert body["student_full_name"] == "Çiğdem Öztürk"
        assert body["course_id"] == str(scene.course_id)
        assert body["file"] == {"name": "rapor ğüş.pdf", "media_type": "application/pdf",
                                "size": len(PDF)}  # fmt: skip
        assert body["decided_by"] is None
        assert await counts(runtime) == (1, 1, 1)
        [entry] = await audit_of(runtime, scene.attendance_id)
        assert (entry.action, entry.actor, entry.student_number) == (
            "excuse_requested",
            "S1",
            "S1",
        )
        assert entry.details["excuse_id"] == body["excuse_id"]
        assert entry.details["file"]["type"] == "application/pdf"

        mine = await api.get("/api/v1/me/excuses", headers=scene.absent.headers)
        assert [e["excuse_id"] for e in mine.json()["items"]] == [body["excuse_id"]]
        one = await api.get(f"/api/v1/excuses/{body['excuse_id']}", headers=scene.absent.headers)
        assert one.json() == body

    async def test_late_without_a_file_and_enrolled_without_a_record(
        self, api: httpx.AsyncClient, runtime: Runtime, scene: Scene
    ) -> None:
        late = await ask(api, scene.late, scene.attendance_id)
        assert late.status_code == 201, late.text
        assert (late.json()["record_status"], late.json()["file"]) == ("late", None)
        missing = await ask(api, scene.enrolled, scene.attendance_id, note="Trafik kazası")
        assert missing.status_code == 201, missing.text
        assert missing.json()["record_status"] is None
        assert await counts(runtime) == (2, 0, 2)

    async def test_a_json_note_is_a_request_without_a_file(
        self, api: httpx.AsyncClient, scene: Scene
    ) -> None:
        response = await api.post(
            f"/api/v1/attendances/{scene.attendance_id}/excuses",
            json={"note": "Ailevi bir nedenle"},
            headers=scene.absent.headers,
        )
        assert response.status_code == 201, response.text

    @pytest.mark.parametrize(
        ("file", "media"),
        [
            (("foto.png", PNG, "image/png"), "image/png"),
            (("foto.jpg", JPEG, "image/jpeg"), "image/jpeg"),
            (("tarama", JPEG, "application/octet-stream"), "image/jpeg"),  # told by content
        ],
        ids=["png", "jpeg", "undeclared-jpeg"],
    )
    async def test_pictures_are_taken_by_their_content(
        self, api: httpx.AsyncClient, scene: Scene, file: tuple[str, bytes, str], media: str
    ) -> None:
        response = await ask(api, scene.absent, scene.attendance_id, file=file)
        assert response.status_code == 201, response.text
        assert response.json()["file"]["media_type"] == media

    async def test_a_file_of_exactly_5_mib_is_taken(
        self, api: httpx.AsyncClient, scene: Scene
    ) -> None:
        data = PDF + b"0" * (MAX_FILE_BYTES - len(PDF))
        response = await ask(api, scene.absent, scene.attendance_id, file=as_pdf(data))
        assert response.status_code == 201, response.text
        assert response.json()["file"]["size"] == MAX_FILE_BYTES

    async def test_after_a_decline_the_student_may_ask_again(
        self, api: httpx.AsyncClient, scene: Scene
    ) -> None:
        first = (await ask(api, scene.absent, scene.attendance_id)).json()
        declined = await api.post(
            f"/api/v1/excuses/{first['excuse_id']}/decline",
            json={"reason": "Rapor yok"},
            headers=scene.teacher.headers,
        )
        assert declined.status_code == 200, declined.text
        again = await ask(api, scene.absent, scene.attendance_id, file=as_pdf())
        assert again.status_code == 201, again.text


class TestBadRequests:
    @pytest.mark.parametrize(
        ("who", "target", "status", "code"),
        [
            ("present", "course", 409, "excuse_not_needed"),
            ("stranger", "course", 403, "not_in_attendance"),
            ("enrolled", "adhoc", 403, "not_in_attendance"),
            ("absent", "unknown", 404, "attendance_not_found"),
        ],
    )
    async def test_who_may_not_ask_for_what(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        scene: Scene,
        who: str,
        target: str,
        status: int,
        code: str,
    ) -> None:
        aid = {"course": scene.attendance_id, "adhoc": scene.adhoc_id, "unknown": uuid4()}[target]
        response = await ask(api, getattr(scene, who), aid, file=("r.pdf", PDF, "application/pdf"))
        assert (response.status_code, error_code(response)) == (status, code)
        assert await counts(runtime) == (0, 0, 0)

    async def test_twice_is_409_and_keeps_the_first(
        self, api: httpx.AsyncClient, runtime: Runtime, scene: Scene
    ) -> None:
        assert (await ask(api, scene.absent, scene.attendance_id)).status_code == 201
        again = await ask(api, scene.absent, scene.attendance_id, file=as_pdf())
        assert (again.status_code, error_code(again)) == (409, "excuse_exists")
        assert await counts(runtime) == (1, 0, 1)

    async def test_a_live_attendance_is_not_excused_yet(
        self, api: httpx.AsyncClient, runtime: Runtime, scene: Scene
    ) -> None:
        live = await start(api, scene.teacher)
        response = await ask(api, scene.absent, live["attendance_id"])
        assert (response.status_code, error_code(response)) == (409, "attendance_not_stored")
        assert (await counts(runtime))[0] == 0

    @pytest.mark.parametrize(
        "note",
        ["", "   \n  ", "x" * 1001, "bozuk\x00not"],
        ids=["empty", "blank", "long", "control"],
    )
    async def test_a_bad_note_is_422_naming_it(
        self, api: httpx.AsyncClient, runtime: Runtime, scene: Scene, note: str
    ) -> None:
        response = await ask(api, scene.absent, scene.attendance_id, note=note)
        assert (response.status_code, error_code(response)) == (422, "invalid_excuse")
        assert response.json()["error"]["details"] == {"field": "note"}
        assert await counts(runtime) == (0, 0, 0)

    async def test_no_note_at_all_is_422(self, api: httpx.AsyncClient, scene: Scene) -> None:
        response = await api.post(
            f"/api/v1/attendances/{scene.attendance_id}/excuses",
            files={"file": ("r.pdf", PDF, "application/pdf")},
            headers=scene.absent.headers,
        )
        assert (response.status_code, error_code(response)) == (422, "invalid_excuse")

    @pytest.mark.parametrize(
        "file",
        [
            ("rapor.pdf", HTML, "application/pdf"),  # declared a PDF, is a page
            ("rapor.html", HTML, "text/html"),
            ("foto.png", PNG, "application/pdf"),  # a PNG declared as a PDF
            ("bos.pdf", b"", "application/pdf"),
        ],
        ids=["html-as-pdf", "html", "png-as-pdf", "empty"],
    )
    async def test_a_file_of_the_wrong_type_is_422(
        self, api: httpx.AsyncClient, runtime: Runtime, scene: Scene, file: tuple[str, bytes, str]
    ) -> None:
        response = await ask(api, scene.absent, scene.attendance_id, file=file)
        assert (response.status_code, error_code(response)) == (422, "excuse_file_type")
        assert await counts(runtime) == (0, 0, 0)

    async def test_a_file_over_5_mib_is_413(
        self, api: httpx.AsyncClient, runtime: Runtime, scene: Scene
    ) -> None:
        data = PDF + b"0" * (MAX_FILE_BYTES + 1 - len(PDF))
        response = await ask(api, scene.absent, scene.attendance_id, file=as_pdf(data))
        assert (response.status_code, error_code(response)) == (413, "payload_too_large")
        assert response.json()["error"]["details"] == {"max_bytes": MAX_FILE_BYTES}
        assert await counts(runtime) == (0, 0, 0)

    async def test_a_body_over_the_routes_limit_is_413_unread(
        self, api: httpx.AsyncClient, runtime: Runtime, scene: Scene
    ) -> None:
        data = PDF + b"0" * (MAX_FILE_BYTES + 200 * 1024)
        response = await ask(api, scene.absent, scene.attendance_id, file=as_pdf(data))
        assert (response.status_code, error_code(response)) == (413, "payload_too_large")
        assert await counts(runtime) == (0, 0, 0)

    async def test_another_content_type_is_415(self, api: httpx.AsyncClient, scene: Scene) -> None:
        response = await api.post(
            f"/api/v1/attendances/{scene.attendance_id}/excuses",
            content=b"note=x",
            headers={**scene.absent.headers, "Content-Type": "text/plain"},
        )
        assert (response.status_code, error_code(response)) == (415, "unsupported_media_type")

    async def test_a_malformed_attendance_id_is_422(
        self, api: httpx.AsyncClient, scene: Scene
    ) -> None:
        response = await ask(api, scene.absent, "not-an-id")
        assert (response.status_code, error_code(response)) == (422, "invalid_input")
