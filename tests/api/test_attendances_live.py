"""The teacher's work on a live attendance: the views, decisions, records by hand, finish
and delete — all in Redis, each audited in SQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest

from attn.db import keys
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
    minutes_ago,
    persist,
    start,
    url,
)
from tests.helpers.factories import make_record


async def teacher_with_class(
    api: httpx.AsyncClient, make_user: MakeUser, size: int = 2, **start_body: Any
) -> tuple[Account, list[Account], str]:
    teacher = await make_user("teacher", name="Prof. Dr. Ayşe Yılmaz")
    students = [await make_user("student") for _ in range(size)]
    attendance = await start(api, teacher, **start_body)
    aid = attendance["attendance_id"]
    for student in students:
        assert (await check_in(api, student, aid)).status_code == 201
    return teacher, students, aid


class TestLiveViews:
    async def test_detail_has_the_attendance_and_its_records_sorted(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher")
        attendance = await start(api, teacher)
        aid = attendance["attendance_id"]
        for number in ("S300", "S100", "S200"):
            student = await make_user("student", number=number, name=f"Öğrenci {number}")
            await check_in(api, student, aid)
        response = await api.get(url(aid), headers=teacher.headers)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        body = response.json()
        AttendanceDetailOut.model_validate(body)
        assert {k: v for k, v in body.items() if k != "records"} == attendance
        assert [r["student_number"] for r in body["records"]] == ["S100", "S200", "S300"]
        assert body["records"][0]["user_full_name"] == "Öğrenci S100"

    async def test_records_view(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, students, aid = await teacher_with_class(api, make_user, size=3)
        response = await api.get(url(aid, "records"), headers=teacher.headers)
        assert response.status_code == 200
        body = RecordsOut.model_validate(response.json())
        assert (body.source, body.state, body.count) == ("live", "open", 3)
        assert [r.student_number for r in body.records] == sorted(s.user_number for s in students)
        assert all(r.status is RecordStatus.PRESENT for r in body.records)

    async def test_empty_attendance(self, api: httpx.AsyncClient, make_user: MakeUser) -> None:
        teacher = await make_user("teacher")
        aid = (await start(api, teacher))["attendance_id"]
        body = (await api.get(url(aid, "records"), headers=teacher.headers)).json()
        assert (body["count"], body["records"]) == (0, [])
        assert (await api.get(url(aid), headers=teacher.headers)).json()["records"] == []

    async def test_a_corrupt_record_is_skipped_not_a_500(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, students, aid = await teacher_with_class(api, make_user, size=2)
        await runtime.redis.hset(keys.records(aid), "X1", '{"broken": true}')
        response = await api.get(url(aid, "records"), headers=teacher.headers)
        assert response.status_code == 200
        numbers = [r["student_number"] for r in response.json()["records"]]
        assert numbers == sorted(s.user_number for s in students)


class TestDecisions:
    async def test_reject_then_accept(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, (student, _), aid = await teacher_with_class(api, make_user)
        record_url = url(aid, "records", student.user_number)
        rejected = await api.post(
            f"{record_url}/reject", json={"reason": "not in the room"}, headers=teacher.headers
        )
        assert rejected.status_code == 200, rejected.text
        assert rejected.json()["status"] == "rejected"
        assert rejected.json()["fail_reason"] == "teacher_rejected"
        assert rejected.json()["decided_by"] == teacher.user_number
        stored = await runtime.redis_client.get_attendance_record(aid, student.user_number)
        assert stored is not None
        assert stored.status is RecordStatus.REJECTED

        accepted = await api.post(f"{record_url}/accept", headers=teacher.headers)
        assert accepted.status_code == 200, accepted.text
        assert (accepted.json()["status"], accepted.json()["fail_reason"]) == ("present", None)

        entries = await audit_of(runtime, aid)
        decisions = [(e.action, e.student_number, e.details) for e in entries[1:]]
        assert decisions == [
            (
                "record_rejected",
                student.user_number,
                {
                    "role": "teacher",
                    "before": "present",
                    "after": "rejected",
                    "reason": "not in the room",
                },
            ),
            (
                "record_accepted",
                student.user_number,
                {"role": "teacher", "before": "rejected", "after": "present"},
            ),
        ]

    async def test_accept_keeps_lateness_of_the_check_in(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher")
        lesson = await arrange_lesson(
            runtime,
            teacher,
            starts_at=minutes_ago(30),
            ends_at=utcnow() + timedelta(minutes=30),
            late_after_minutes=10,
        )
        record = make_record(
            lesson.attendance_id,
            student_number="S1",
            status=RecordStatus.REJECTED,
            fail_reason="code_invalid",
            checked_in_at=minutes_ago(5),
        )
        await runtime.redis_client.save_attendance_record_user(record)
        response = await api.post(
            url(lesson.attendance_id, "records", "S1", "accept"),
            json={"reason": "showed me the code"},
            headers=teacher.headers,
        )
        assert response.json()["status"] == "late"

    async def test_reject_needs_a_reason(self, api: httpx.AsyncClient, make_user: MakeUser) -> None:
        teacher, (student, _), aid = await teacher_with_class(api, make_user)
        reject = url(aid, "records", student.user_number, "reject")
        for body in (None, {}, {"reason": "  "}, {"reason": "x" * 501}):
            response = await api.post(reject, json=body, headers=teacher.headers)
            assert response.status_code == 422, body
            assert error_code(response) == "invalid_input"

    async def test_a_rejected_student_checking_in_again_stays_rejected(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        teacher, (student, _), aid = await teacher_with_class(api, make_user)
        await api.post(
            url(aid, "records", student.user_number, "reject"),
            json={"reason": "proxy"},
            headers=teacher.headers,
        )
        again = await check_in(api, student, aid)
        assert again.status_code == 200
        assert (again.json()["status"], again.json()["decided_by"]) == (
            "rejected",
            teacher.user_number,
        )

    async def test_unknown_student_is_404_and_bad_number_422(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        teacher, _students, aid = await teacher_with_class(api, make_user)
        missing = await api.post(url(aid, "records", "NOBODY", "accept"), headers=teacher.headers)
        assert missing.status_code == 404
        assert error_code(missing) == "record_not_found"
        bad = await api.post(url(aid, "records", "a b", "accept"), headers=teacher.headers)
        assert bad.status_code == 422


class TestRecordsByHand:
    async def test_add_a_student_by_hand_then_edit(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, _students, aid = await teacher_with_class(api, make_user)
        record_url = url(aid, "records", "S777")
        added = await api.put(
            record_url,
            json={"status": "present", "full_name": "Gülşen İnce"},
            headers=teacher.headers,
        )
        assert added.status_code == 201, added.text
        body = added.json()
        assert (body["user_full_name"], body["decided_by"], body["attempt_count"]) == (
            "Gülşen İnce",
            teacher.user_number,
            0,
        )
        edited = await api.put(
            record_url, json={"status": "excused", "reason": "doctor"}, headers=teacher.headers
        )
        assert edited.status_code == 200
        assert edited.json()["status"] == "excused"
        assert edited.json()["checked_in_at"] == body["checked_in_at"]
        assert edited.json()["user_full_name"] == "Gülşen İnce"
        stored = await runtime.redis_client.get_attendance_record(aid, "S777")
        assert stored is not None
        assert stored.status is RecordStatus.EXCUSED
        actions = [(e.action, e.details.get("reason")) for e in await audit_of(runtime, aid)]
        assert actions[-2:] == [("record_saved", None), ("record_saved", "doctor")]

    async def test_editing_a_check_in_keeps_its_facts(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, (student, _), aid = await teacher_with_class(api, make_user)
        before = await runtime.redis_client.get_attendance_record(aid, student.user_number)
        assert before is not None
        response = await api.put(
            url(aid, "records", student.user_number),
            json={"status": "absent"},
            headers=teacher.headers,
        )
        assert response.status_code == 200
        after = await runtime.redis_client.get_attendance_record(aid, student.user_number)
        assert after is not None
        assert (after.checked_in_at, after.client_ip, after.user_full_name) == (
            before.checked_in_at,
            before.client_ip,
            before.user_full_name,
        )
        assert (after.status, after.decided_by) == (RecordStatus.ABSENT, teacher.user_number)

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            ({"status": "present"}, "full_name_required"),
            ({"status": "pending", "full_name": "A B"}, "invalid_input"),
            ({"status": "here", "full_name": "A B"}, "invalid_input"),
            ({"status": "present", "full_name": ""}, "invalid_input"),
            ({"status": "present", "full_name": "x" * 201}, "invalid_input"),
        ],
    )
    async def test_invalid_additions(
        self, api: httpx.AsyncClient, make_user: MakeUser, body: dict[str, Any], code: str
    ) -> None:
        teacher, _students, aid = await teacher_with_class(api, make_user, size=0)
        response = await api.put(url(aid, "records", "S1"), json=body, headers=teacher.headers)
        assert response.status_code == 422
        assert error_code(response) == code

    async def test_delete_needs_a_reason_in_query_or_body(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, (first, second), aid = await teacher_with_class(api, make_user)
        no_reason = await api.delete(
            url(aid, "records", first.user_number), headers=teacher.headers
        )
        assert no_reason.status_code == 422
        assert error_code(no_reason) == "reason_required"
        by_query = await api.delete(
            url(aid, "records", first.user_number),
            params={"reason": "added by mistake"},
            headers=teacher.headers,
        )
        assert by_query.status_code == 204
        by_body = await api.request(
            "DELETE",
            url(aid, "records", second.user_number),
            json={"reason": "wrong lesson"},
            headers=teacher.headers,
        )
        assert by_body.status_code == 204
        assert await runtime.redis_client.get_attendance_record_users(aid) == []
        again = await api.delete(
            url(aid, "records", first.user_number), params={"reason": "x"}, headers=teacher.headers
        )
        assert again.status_code == 404
        deleted = [e for e in await audit_of(runtime, aid) if e.action == "record_deleted"]
        assert [e.details["reason"] for e in deleted] == ["added by mistake", "wrong lesson"]
        assert deleted[0].details["record"]["student_number"] == first.user_number

    @pytest.mark.parametrize(
        "reason",
        [
            pytest.param("   ", id="blank"),
            pytest.param("x" * 501, id="long"),
            pytest.param("a\x00b", id="nul"),
        ],
    )
    async def test_an_unusable_reason_is_422(
        self, api: httpx.AsyncClient, make_user: MakeUser, reason: str
    ) -> None:
        teacher, (student,), aid = await teacher_with_class(api, make_user, size=1)
        target = url(aid, "records", student.user_number)
        by_query = await api.delete(target, params={"reason": reason}, headers=teacher.headers)
        by_body = await api.request(
            "DELETE", target, json={"reason": reason}, headers=teacher.headers
        )
        whole = await api.delete(url(aid), params={"reason": reason}, headers=teacher.headers)
        for response in (by_query, by_body, whole):
            assert (response.status_code, error_code(response)) == (422, "invalid_input")


class TestFinish:
    async def test_finish_closes_check_ins_and_is_persisted(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, (_student, late_comer), aid = await teacher_with_class(api, make_user, size=2)
        await runtime.redis_client.delete_record(aid, late_comer.user_number)
        finished = await api.post(url(aid, "finish"), headers=teacher.headers)
        assert finished.status_code == 200
        assert finished.json()["state"] == "finished"
        refused = await check_in(api, late_comer, aid)
        assert refused.status_code == 409
        assert error_code(refused) == "attendance_finished"
        twice = await api.post(url(aid, "finish"), headers=teacher.headers)
        assert (twice.status_code, error_code(twice)) == (409, "attendance_finished")
        assert (await persist(runtime)).attendances == 1
        stored = await api.post(url(aid, "finish"), headers=teacher.headers)
        assert (stored.status_code, error_code(stored)) == (409, "attendance_finished")

    async def test_a_scheduled_attendance_cannot_be_finished(
        self, api: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher")
        later = (utcnow() + timedelta(hours=3)).isoformat()
        aid = (await start(api, teacher, starts_at=later))["attendance_id"]
        response = await api.post(url(aid, "finish"), headers=teacher.headers)
        assert (response.status_code, error_code(response)) == (409, "attendance_not_started")


class TestDeleteAttendance:
    async def test_delete_removes_it_from_discovery_and_check_in_and_keeps_it(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher, (student, other), aid = await teacher_with_class(api, make_user)
        no_reason = await api.delete(url(aid), headers=teacher.headers)
        assert (no_reason.status_code, error_code(no_reason)) == (422, "reason_required")

        response = await api.delete(
            url(aid), params={"reason": "opened by mistake"}, headers=teacher.headers
        )
        assert response.status_code == 200
        assert (response.json()["state"], response.json()["deletion_reason"]) == (
            "deleted",
            "opened by mistake",
        )
        search = await api.get(
            f"{BASE}/search", params={"lesson_name": "veri"}, headers=student.headers
        )
        assert search.json() == []
        await runtime.redis_client.delete_record(aid, other.user_number)
        refused = await check_in(api, other, aid)
        assert (refused.status_code, error_code(refused)) == (409, "attendance_deleted")
        active = await api.get(f"{BASE}/active", headers=teacher.headers)
        assert active.json() == []
        again = await api.delete(url(aid), params={"reason": "x"}, headers=teacher.headers)
        assert (again.status_code, error_code(again)) == (409, "attendance_deleted")

        assert (await persist(runtime)).attendances == 1
        async with runtime.sessionmaker() as session:
            assert await repository.get_attendance(session, UUID(aid)) is None
            row = await repository.get_attendance(session, UUID(aid), include_deleted=True)
        assert row is not None
        assert row.deletion_reason == "opened by mistake"
        detail = await api.get(url(aid), headers=teacher.headers)
        assert (detail.json()["state"], detail.json()["source"]) == ("deleted", "archive")
        history = await api.get(BASE, headers=teacher.headers)
        assert history.json()["total"] == 0
        mine = await api.get("/api/v1/me/attendance", headers=student.headers)
        assert mine.json()["items"] == []
        actions = [e.action for e in await audit_of(runtime, aid)]
        assert actions == ["attendance_started", "attendance_deleted"]
