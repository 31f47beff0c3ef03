"""Once persisted: views from SQL, corrections with a reason (audited in the same
transaction), history with filters and pagination, and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx
import pytest

from attn.db.sql import repository
from attn.models import RecordStatus
from attn.models.api_attendances import AttendanceDetailOut, RecordsOut
from attn.models.types import utcnow
from attn.runtime import Runtime
from tests.fixtures.app import Account, MakeUser, error_code
from tests.helpers.attendance_api import (
    BASE,
    arrange_lesson,
    audit_of,
    check_in,
    persist,
    start,
    start_and_persist,
    url,
)
from tests.helpers.factories import make_record


async def stored_class(
    api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser, size: int = 2
) -> tuple[Account, list[Account], str]:
    teacher = await make_user("teacher", name="Prof. Dr. Ayşe Yılmaz")
    students = [await make_user("student") for _ in range(size)]
    aid = await start_and_persist(api, runtime, teacher, students)
    return teacher, students, aid


class TestArchivedViews:
    async def test_detail_and_records_come_from_sql(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, students, aid = await stored_class(api, runtime, make_user)
        detail = await api.get(url(aid), headers=teacher.headers)
        assert detail.status_code == 200
        body = AttendanceDetailOut.model_validate(detail.json())
        assert (body.source, body.state) == ("archive", "finished")
        assert body.persisted_at is not None
        assert body.teacher_full_name == "Prof. Dr. Ayşe Yılmaz"
        assert [r.student_number for r in body.records] == sorted(s.user_number for s in students)
        records = RecordsOut.model_validate(
            (await api.get(url(aid, "records"), headers=teacher.headers)).json()
        )
        assert (records.source, records.count) == ("archive", 2)
        assert records.records == body.records


class TestArchivedCorrections:
    async def test_accept_and_reject_go_to_sql_with_audit(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, (student, _), aid = await stored_class(api, runtime, make_user)
        record_url = url(aid, "records", student.user_number)
        rejected = await api.post(
            f"{record_url}/reject", json={"reason": "left early"}, headers=teacher.headers
        )
        assert rejected.status_code == 200, rejected.text
        assert (rejected.json()["status"], rejected.json()["fail_reason"]) == (
            "rejected",
            "teacher_rejected",
        )
        async with runtime.sessionmaker() as session:
            row = await repository.get_record(session, UUID(aid), student.user_number)
        assert row is not None
        assert row.status is RecordStatus.REJECTED
        assert row.decided_by == teacher.user_number
        no_reason = await api.post(f"{record_url}/accept", headers=teacher.headers)
        assert (no_reason.status_code, error_code(no_reason)) == (422, "reason_required")
        accepted = await api.post(
            f"{record_url}/accept", json={"reason": "came back"}, headers=teacher.headers
        )
        assert accepted.json()["status"] == "present"
        assert accepted.json()["decision_reason"] == "came back"
        assert await runtime.redis_client.get_lesson(aid) is None  # nothing written back
        entries = [(e.action, e.details.get("reason")) for e in await audit_of(runtime, aid)]
        assert entries[-2:] == [("record_rejected", "left early"), ("record_accepted", "came back")]

    async def test_put_needs_a_reason_adds_and_edits(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, (student, _), aid = await stored_class(api, runtime, make_user)
        no_reason = await api.put(
            url(aid, "records", "S999"),
            json={"status": "present", "full_name": "Şükrü Öztürk"},
            headers=teacher.headers,
        )
        assert (no_reason.status_code, error_code(no_reason)) == (422, "reason_required")
        added = await api.put(
            url(aid, "records", "S999"),
            json={"status": "present", "full_name": "Şükrü Öztürk", "reason": "forgot his phone"},
            headers=teacher.headers,
        )
        assert added.status_code == 201, added.text
        assert added.json()["user_full_name"] == "Şükrü Öztürk"
        async with runtime.sessionmaker() as session:
            user = await repository.get_user(session, "S999")
        assert user is not None
        assert (user.full_name, user.role) == ("Şükrü Öztürk", "student")
        edited = await api.put(
            url(aid, "records", student.user_number),
            json={"status": "excused", "full_name": "Someone Else", "reason": "sick note"},
            headers=teacher.headers,
        )
        assert edited.status_code == 200
        assert edited.json()["status"] == "excused"
        assert edited.json()["user_full_name"] == student.full_name  # the name on file stays
        detail = (await api.get(url(aid), headers=teacher.headers)).json()
        statuses = {r["student_number"]: r["status"] for r in detail["records"]}
        assert statuses["S999"] == "present"
        assert statuses[student.user_number] == "excused"

    async def test_delete_record_is_soft_with_reason(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, (student, other), aid = await stored_class(api, runtime, make_user)
        response = await api.delete(
            url(aid, "records", student.user_number),
            params={"reason": "duplicate account"},
            headers=teacher.headers,
        )
        assert response.status_code == 204
        async with runtime.sessionmaker() as session:
            assert await repository.get_record(session, UUID(aid), student.user_number) is None
            row = await repository.get_record(
                session, UUID(aid), student.user_number, include_deleted=True
            )
        assert row is not None
        assert row.deletion_reason == "duplicate account"
        detail = (await api.get(url(aid), headers=teacher.headers)).json()
        assert [r["student_number"] for r in detail["records"]] == [other.user_number]
        again = await api.delete(
            url(aid, "records", student.user_number),
            params={"reason": "x"},
            headers=teacher.headers,
        )
        assert (again.status_code, error_code(again)) == (404, "record_not_found")
        restore = await api.put(
            url(aid, "records", student.user_number),
            json={"status": "present", "reason": "undo"},
            headers=teacher.headers,
        )
        assert (restore.status_code, error_code(restore)) == (409, "record_deleted")

    async def test_edit_a_stored_attendance(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, _students, aid = await stored_class(api, runtime, make_user)
        before = (await api.get(url(aid), headers=teacher.headers)).json()
        response = await api.patch(
            url(aid),
            json={"lesson_name": "Algoritmalar", "late_after_minutes": 5, "reason": "typo"},
            headers=teacher.headers,
        )
        assert response.status_code == 200, response.text
        assert (response.json()["lesson_name"], response.json()["late_after_minutes"]) == (
            "Algoritmalar",
            5,
        )
        async with runtime.sessionmaker() as session:
            row = await repository.get_attendance(session, UUID(aid))
        assert row is not None
        assert row.lesson_name == "Algoritmalar"
        edit = (await audit_of(runtime, aid))[-1]
        assert (edit.action, edit.details["reason"]) == ("attendance_edited", "typo")
        assert edit.details["before"] == {
            "lesson_name": before["lesson_name"],
            "late_after_minutes": None,
        }
        assert edit.details["after"] == {"lesson_name": "Algoritmalar", "late_after_minutes": 5}

    @pytest.mark.parametrize(
        "body",
        [
            {"lesson_name": "X"},
            {"reason": "nothing to change"},
            {"lesson_name": None, "reason": "r"},
            {"lesson_name": "", "reason": "r"},
            {"starts_at": "2026-01-01T10:00:00Z", "ends_at": "2026-01-01T09:00:00Z", "reason": "r"},
        ],
    )
    async def test_invalid_edits_are_422(
        self,
        api: httpx.AsyncClient,
        runtime: Runtime,
        make_user: MakeUser,
        body: dict[str, Any],
    ) -> None:
        teacher, _students, aid = await stored_class(api, runtime, make_user, size=0)
        response = await api.patch(url(aid), json=body, headers=teacher.headers)
        assert response.status_code == 422, response.text

    async def test_edit_moving_the_end_before_the_stored_start_is_422(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, _students, aid = await stored_class(api, runtime, make_user, size=0)
        response = await api.patch(
            url(aid),
            json={"ends_at": "2000-01-01T00:00:00Z", "reason": "r"},
            headers=teacher.headers,
        )
        assert (response.status_code, error_code(response)) == (422, "invalid_window")

    async def test_a_live_attendance_is_not_edited(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher")
        aid = (await start(api, teacher))["attendance_id"]
        response = await api.patch(
            url(aid), json={"lesson_name": "X", "reason": "r"}, headers=teacher.headers
        )
        assert (response.status_code, error_code(response)) == (409, "attendance_live")

    async def test_delete_a_stored_attendance(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, (student, _), aid = await stored_class(api, runtime, make_user)
        response = await api.delete(
            url(aid), params={"reason": "test run"}, headers=teacher.headers
        )
        assert response.status_code == 200
        assert (response.json()["state"], response.json()["source"]) == ("deleted", "archive")
        assert (await api.get(BASE, headers=teacher.headers)).json()["total"] == 0
        mine = await api.get(url(aid, "records", "me"), headers=student.headers)
        assert mine.status_code == 404
        changes = await api.post(
            url(aid, "records", student.user_number, "accept"), headers=teacher.headers
        )
        assert (changes.status_code, error_code(changes)) == (409, "attendance_deleted")
        again = await api.delete(url(aid), params={"reason": "x"}, headers=teacher.headers)
        assert (again.status_code, error_code(again)) == (409, "attendance_deleted")


class TestHistory:
    async def test_live_first_then_archive_paginated(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher")
        stored = [await start_and_persist(api, runtime, teacher, []) for _ in range(3)]
        live = (await start(api, teacher))["attendance_id"]
        expected = [live, *reversed(stored)]
        seen: list[str] = []
        for offset in range(0, 4, 2):
            page = await api.get(
                BASE, params={"limit": 2, "offset": offset}, headers=teacher.headers
            )
            assert page.status_code == 200
            body = page.json()
            assert (body["total"], body["limit"], body["offset"]) == (4, 2, offset)
            seen += [item["attendance_id"] for item in body["items"]]
        assert seen == expected
        first = (await api.get(BASE, headers=teacher.headers)).json()["items"]
        assert [item["source"] for item in first] == ["live", "archive", "archive", "archive"]
        beyond = (await api.get(BASE, params={"offset": 10}, headers=teacher.headers)).json()
        assert (beyond["items"], beyond["total"]) == ([], 4)

    async def test_teacher_sees_own_admin_sees_all_and_filters_by_teacher(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        first, second = await make_user("teacher"), await make_user("teacher")
        admin = await make_user("admin")
        mine = await start_and_persist(api, runtime, first, [])
        theirs = (await start(api, second))["attendance_id"]
        own = (await api.get(BASE, headers=first.headers)).json()
        assert [item["attendance_id"] for item in own["items"]] == [mine]
        everyone = (await api.get(BASE, headers=admin.headers)).json()
        assert {item["attendance_id"] for item in everyone["items"]} == {mine, theirs}
        one = await api.get(
            BASE, params={"teacher_number": second.user_number}, headers=admin.headers
        )
        assert [item["attendance_id"] for item in one.json()["items"]] == [theirs]
        snooping = await api.get(
            BASE, params={"teacher_number": second.user_number}, headers=first.headers
        )
        assert snooping.status_code == 403

    async def test_filters_by_lesson_name_forgivingly_and_by_date(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher")
        old = await arrange_lesson(
            runtime,
            teacher,
            starts_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
            ends_at=datetime(2026, 3, 2, 10, tzinfo=UTC),
            lesson_name="Veri Yapıları",
        )
        other = await arrange_lesson(
            runtime,
            teacher,
            starts_at=datetime(2026, 3, 5, 9, tzinfo=UTC),
            ends_at=datetime(2026, 3, 5, 10, tzinfo=UTC),
            lesson_name="Fizik",
        )
        assert (await persist(runtime)).attendances == 2
        live = (await start(api, teacher))["attendance_id"]

        async def ids(**params: Any) -> list[str]:
            response = await api.get(BASE, params=params, headers=teacher.headers)
            assert response.status_code == 200, response.text
            return [item["attendance_id"] for item in response.json()["items"]]

        assert await ids(lesson_name="VERİ   YAPILARI") == [live, str(old.attendance_id)]
        assert await ids(lesson_name="fizik") == [str(other.attendance_id)]
        assert await ids(**{"from": "2026-03-01", "to": "2026-03-02"}) == [str(old.attendance_id)]
        assert await ids(**{"from": "2026-03-03"}) == [live, str(other.attendance_id)]
        assert await ids(**{"to": "2026-03-02T09:00:00Z"}) == []
        assert await ids(**{"from": "2026-03-02T09:00:00+00:00", "to": "2026-03-06"}) == [
            str(other.attendance_id),
            str(old.attendance_id),
        ]

    @pytest.mark.parametrize(
        "params",
        [
            {"limit": 0},
            {"limit": 201},
            {"offset": -1},
            {"limit": "many"},
            {"from": "2026-03-02T09:00:00"},
            {"from": "yesterday"},
            {"lesson_name": ""},
        ],
    )
    async def test_bad_parameters_are_422(
        self, api: httpx.AsyncClient, make_user: MakeUser, params: dict[str, Any]
    ) -> None:
        teacher = await make_user("teacher")
        response = await api.get(BASE, params=params, headers=teacher.headers)
        assert response.status_code == 422, response.text
        assert error_code(response) == "invalid_input"


def parse_csv(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf"), content[:10]
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


class TestExport:
    async def test_live_export_with_bom_turkish_names_and_safe_filename(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher")
        aid = (await start(api, teacher, lesson_name='Veri "Yapıları"/2 İleri'))["attendance_id"]
        turkish = await make_user("student", number="S1", name="Çağrı Işıkoğlu")
        formula = await make_user("student", number="S2", name="=HYPERLINK(1)")
        for student in (turkish, formula):
            await check_in(api, student, aid)
        response = await api.get(url(aid, "export.csv"), headers=teacher.headers)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        rows = parse_csv(response.content)
        assert list(rows[0]) == [
            "student_number",
            "full_name",
            "status",
            "checked_in_at (Europe/Istanbul)",
            "fail_reason",
            "decided_by",
        ]
        assert [(r["student_number"], r["full_name"], r["status"]) for r in rows] == [
            ("S1", "Çağrı Işıkoğlu", "present"),
            ("S2", "'=HYPERLINK(1)", "present"),
        ]
        assert rows[0]["decided_by"] == "self"
        disposition = response.headers["content-disposition"]
        day = datetime.now(ZoneInfo("Europe/Istanbul")).strftime("%Y-%m-%d")  # the local date
        fallback = f'filename="Veri-Yapilari-2-Ileri-{day}-{aid[:8]}.csv"'
        assert disposition.startswith("attachment; ")
        assert fallback in disposition
        assert disposition.isascii()
        encoded = disposition.split("filename*=UTF-8''")[1]
        assert unquote(encoded) == f"Veri-Yapıları-2-İleri-{day}-{aid[:8]}.csv"

    async def test_archived_export_has_decisions(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher")
        lesson = await arrange_lesson(
            runtime,
            teacher,
            starts_at=utcnow() - timedelta(hours=2),
            ends_at=utcnow() - timedelta(hours=1),
        )
        at = utcnow() - timedelta(minutes=90)
        await runtime.redis_client.save_attendance_record_user(
            make_record(
                lesson.attendance_id,
                student_number="S5",
                user_full_name="Ümit Güneş",
                status=RecordStatus.REJECTED,
                fail_reason="teacher_rejected",
                decided_by=teacher.user_number,
                checked_in_at=at,
            )
        )
        assert (await persist(runtime)).attendances == 1
        response = await api.get(url(lesson.attendance_id, "export.csv"), headers=teacher.headers)
        assert response.status_code == 200
        [row] = parse_csv(response.content)
        istanbul = ZoneInfo("Europe/Istanbul")  # the default ATTN_TIME_ZONE
        assert row == {
            "student_number": "S5",
            "full_name": "Ümit Güneş",
            "status": "rejected",
            "checked_in_at (Europe/Istanbul)": f"{at.astimezone(istanbul):%Y-%m-%d %H:%M:%S}",
            "fail_reason": "teacher_rejected",
            "decided_by": teacher.user_number,
        }
