"""The audit log of live changes: each entry is written into Redis in the change's own
atomic step (the outbox) and moved into ``audit_log`` by persistence, exactly once."""

from __future__ import annotations

import httpx
import pytest

from attn.config import Settings
from attn.db import keys
from attn.models import RecordStatus
from attn.runtime import Runtime
from tests.helpers.attendance_api import audit_of, check_in, persist, quick_user, start, url


class TestDatabaseUnreachable:
    @pytest.fixture
    def app_settings(self, app_settings: Settings) -> Settings:
        # Nothing listens on port 9: every SQL statement fails to connect.
        return app_settings.model_copy(
            update={"database_url": "postgresql://attn@127.0.0.1:9/attn"}
        )

    async def test_live_changes_need_no_database_and_carry_their_entries(
        self, api: httpx.AsyncClient, runtime: Runtime
    ) -> None:
        teacher = await quick_user(runtime, "teacher")
        student = await quick_user(runtime, "student")
        aid = (await start(api, teacher))["attendance_id"]
        assert (await check_in(api, student, aid)).status_code == 201
        rejected = await api.post(
            url(aid, "records", student.user_number, "reject"),
            json={"reason": "telefonu arkadaşında"},
            headers=teacher.headers,
        )
        assert rejected.status_code == 200, rejected.text
        finished = await api.post(url(aid, "finish"), headers=teacher.headers)
        assert finished.status_code == 200, finished.text

        record = await runtime.redis_client.get_attendance_record(aid, student.user_number)
        assert record is not None
        assert (record.status, record.decided_by) == (RecordStatus.REJECTED, teacher.user_number)
        entries = await runtime.redis_client.audit_outbox(aid)
        assert [entry.action for entry in entries] == [
            "attendance_started",
            "record_rejected",
            "attendance_finished",
        ]
        rejection = entries[1]
        assert rejection.details["reason"] == "telefonu arkadaşında"
        assert (rejection.actor, rejection.student_number, str(rejection.attendance_id)) == (
            teacher.user_number,
            student.user_number,
            aid,
        )


class TestOutbox:
    async def test_persistence_moves_the_entries_and_empties_the_outbox(
        self, api: httpx.AsyncClient, runtime: Runtime
    ) -> None:
        teacher = await quick_user(runtime, "teacher")
        aid = (await start(api, teacher))["attendance_id"]
        assert (await api.post(url(aid, "finish"), headers=teacher.headers)).status_code == 200
        pending = await runtime.redis_client.audit_outbox(aid)
        assert len(pending) == 2
        assert (await persist(runtime)).attendances == 1
        assert not await runtime.redis_client.redis.exists(keys.audit(aid))

        stored = await audit_of(runtime, aid)
        assert [(row.entry_id, row.action) for row in stored] == [
            (entry.entry_id, entry.action) for entry in pending
        ]
        assert all(row.id > 0 for row in stored)
