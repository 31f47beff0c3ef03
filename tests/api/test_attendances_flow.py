"""One lesson from start to archive through HTTP, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest

from attn.config import Settings
from attn.db.sql import repository
from attn.models.api_attendances import AttendanceDetailOut
from attn.models.types import utcnow
from attn.runtime import Runtime
from tests.fixtures.app import MakeUser
from tests.helpers.attendance_api import BASE, check_in, iso, persist, url

LATE_AFTER = 10
HEAD_START_S = 3.0
"""The attendance starts this much less than ``LATE_AFTER`` ago: check-ins made at once are
on time, those made after a short wait are late."""


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
        pytest.param("cluster", id="sqlite-redis-cluster", marks=pytest.mark.cluster),
    ]
)
def app_settings(request: pytest.FixtureRequest, app_settings: Settings) -> Settings:
    if request.param == "sqlite":
        return app_settings
    if request.param == "cluster":
        request.getfixturevalue("redis_cluster")  # flushed around the test
        cluster_url: str = request.getfixturevalue("redis_cluster_url")
        return app_settings.model_copy(update={"redis_url": cluster_url, "redis_cluster": True})
    postgres_url: str = request.getfixturevalue("postgres_url")
    return app_settings.model_copy(update={"database_url": postgres_url})


def expected_status(record: dict[str, Any], starts_at: datetime) -> str:
    checked_in = datetime.fromisoformat(record["checked_in_at"])
    return "late" if checked_in > starts_at + timedelta(minutes=LATE_AFTER) else "present"


class TestLessonFromStartToArchive:
    async def test_full_flow(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        teacher = await make_user("teacher", name="Prof. Dr. Ayşe Yılmaz")
        names = ["Çağrı Işık", "Gülşen Öztürk", "İsmail Şahin", "Ümran Ilgaz"]
        students = [
            await make_user("student", number=f"2024{n}", name=name) for n, name in enumerate(names)
        ]
        on_time, late = students[:2], students[2:]

        # The teacher starts; the threshold passes a few seconds from now.
        starts_at = utcnow() - timedelta(minutes=LATE_AFTER) + timedelta(seconds=HEAD_START_S)
        started = await api.post(
            BASE,
            json={
                "lesson_name": "Veri Yapıları",
                "starts_at": iso(starts_at),
                "duration_minutes": 90,
                "late_after_minutes": LATE_AFTER,
            },
            headers=teacher.headers,
        )
        assert started.status_code == 201, started.text
        aid = started.json()["attendance_id"]

        # Students find it however they type the names, and check in.
        found = await api.get(
            f"{BASE}/search",
            params={"teacher_name": "ayşe yilmaz", "lesson_name": "VERİ YAPILARI"},
            headers=students[0].headers,
        )
        assert [item["attendance_id"] for item in found.json()] == [aid]
        for student in on_time:
            assert (await check_in(api, student, aid)).status_code == 201
        threshold = starts_at + timedelta(minutes=LATE_AFTER)
        await asyncio.sleep(max(0.0, (threshold - utcnow()).total_seconds()) + 0.2)
        for student in late:
            assert (await check_in(api, student, aid)).status_code == 201
        assert (await check_in(api, late[0], aid)).status_code == 200

        # The teacher watches the list fill and decides.
        live_records = await api.get(url(aid, "records"), headers=teacher.headers)
        assert live_records.json()["source"] == "live"
        records = live_records.json()["records"]
        assert [r["student_number"] for r in records] == [s.user_number for s in students]
        statuses = [r["status"] for r in records]
        assert statuses == [expected_status(r, starts_at) for r in records]
        assert statuses[0] == "present"
        assert statuses[-1] == "late"
        rejected = await api.post(
            url(aid, "records", students[1].user_number, "reject"),
            json={"reason": "arkadaşı yerine giriş yaptı"},
            headers=teacher.headers,
        )
        assert rejected.status_code == 200
        accepted = await api.post(
            url(aid, "records", students[3].user_number, "accept"),
            json={"reason": "came with a note"},
            headers=teacher.headers,
        )
        assert accepted.json()["status"] == "late"

        # Finish, and the job stores it.
        assert (await api.post(url(aid, "finish"), headers=teacher.headers)).status_code == 200
        live = (await api.get(url(aid), headers=teacher.headers)).json()
        summary = await persist(runtime)
        assert (summary.attendances, summary.records) == (1, 4)
        assert await runtime.redis_client.get_lesson(aid) is None

        # The same request now answers from SQL, with the same shape and the same content.
        archived = (await api.get(url(aid), headers=teacher.headers)).json()
        AttendanceDetailOut.model_validate(archived)
        assert set(archived) == set(live)
        assert (live["source"], archived["source"]) == ("live", "archive")
        assert archived["persisted_at"] is not None
        unchanged = {"source", "persisted_at"}
        assert {k: v for k, v in archived.items() if k not in unchanged} == {
            k: v for k, v in live.items() if k not in unchanged
        }
        by_number = {r["student_number"]: r for r in archived["records"]}
        assert by_number[students[1].user_number]["status"] == "rejected"
        assert by_number[students[1].user_number]["fail_reason"] == "teacher_rejected"

        # History lists it; the export has the BOM and the Turkish names.
        history = (await api.get(BASE, headers=teacher.headers)).json()
        assert [(i["attendance_id"], i["source"]) for i in history["items"]] == [(aid, "archive")]
        export = await api.get(url(aid, "export.csv"), headers=teacher.headers)
        assert export.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
        assert [(r["student_number"], r["full_name"], r["status"]) for r in rows] == [
            (s.user_number, s.full_name, by_number[s.user_number]["status"]) for s in students
        ]
        assert rows[1]["decided_by"] == teacher.user_number

        # Each student sees it in their own history.
        mine = (await api.get("/api/v1/me/attendance", headers=students[1].headers)).json()
        assert mine["total"] == 1
        [item] = mine["items"]
        assert item["attendance"]["attendance_id"] == aid
        assert (item["record"]["status"], item["attendance"]["teacher_full_name"]) == (
            "rejected",
            "Prof. Dr. Ayşe Yılmaz",
        )

        # Every manual change is in the audit log, with its reason.
        async with runtime.sessionmaker() as session:
            audit = await repository.list_audit(session, attendance_id=UUID(aid))
        actions = [(e.action, e.details.get("reason")) for e in reversed(audit.items)]
        assert actions == [
            ("attendance_started", None),
            ("record_rejected", "arkadaşı yerine giriş yaptı"),
            ("record_accepted", "came with a note"),
            ("attendance_finished", None),
        ]
