"""The audit log of live changes when the database is down: the change stands, the entry
is logged and counted (see the decision in ``attn.services.attendances``)."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from prometheus_client import REGISTRY

from attn.config import Settings
from attn.models import RecordStatus
from attn.runtime import Runtime
from tests.api.attendance_support import check_in, quick_user, start, url

NOT_WRITTEN = "attn_audit_not_written_total"


def not_written() -> float:
    return REGISTRY.get_sample_value(NOT_WRITTEN) or 0.0


class TestDatabaseDown:
    @pytest.fixture
    def app_settings(self, app_settings: Settings) -> Settings:
        # Nothing listens on port 9: every SQL statement fails to connect.
        return app_settings.model_copy(
            update={"database_url": "postgresql://attn@127.0.0.1:9/attn"}
        )

    async def test_live_changes_succeed_and_the_entries_are_logged(
        self, api: httpx.AsyncClient, runtime: Runtime, caplog: pytest.LogCaptureFixture
    ) -> None:
        teacher = await quick_user(runtime, "teacher")
        student = await quick_user(runtime, "student")
        before = not_written()
        with caplog.at_level(logging.WARNING, logger="attn.services.attendances"):
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
        assert not_written() - before == 3
        logged = [
            json.loads(message.split(": ", 1)[1])
            for message in caplog.messages
            if message.startswith("audit entry not written")
        ]
        assert [entry["action"] for entry in logged] == [
            "attendance_started",
            "record_rejected",
            "attendance_finished",
        ]
        assert logged[1]["details"]["reason"] == "telefonu arkadaşında"
        assert (logged[1]["actor"], logged[1]["student_number"], logged[1]["attendance_id"]) == (
            teacher.user_number,
            student.user_number,
            aid,
        )


class TestDatabaseUp:
    async def test_nothing_is_logged_or_counted(
        self, api: httpx.AsyncClient, runtime: Runtime, caplog: pytest.LogCaptureFixture
    ) -> None:
        teacher = await quick_user(runtime, "teacher")
        before = not_written()
        with caplog.at_level(logging.WARNING, logger="attn.services.attendances"):
            await start(api, teacher)
        assert not_written() == before
        assert not [m for m in caplog.messages if m.startswith("audit entry not written")]
