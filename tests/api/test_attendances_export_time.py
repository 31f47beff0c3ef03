"""The CSV export shows times in the installation's time zone (``ATTN_TIME_ZONE``); the
JSON API keeps UTC."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import httpx
import pytest

from attn.config import Settings
from attn.models.types import utcnow
from attn.runtime import Runtime
from tests.fixtures.app import MakeUser
from tests.helpers.attendance_api import arrange_lesson, persist, url
from tests.helpers.factories import make_record

# 21:45 UTC on 31 January is already 1 February in Istanbul (UTC+3, no summer time).
STARTS_AT = datetime(2026, 1, 31, 21, 30, tzinfo=UTC)
CHECKED_IN_AT = datetime(2026, 1, 31, 21, 45, 5, 123456, tzinfo=UTC)


async def export_of_one_record(
    api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser, *, stored: bool
) -> tuple[list[list[str]], str, str]:
    """The CSV rows, the attachment's file name and the aid of a one-record attendance
    that started at STARTS_AT, live in Redis or (``stored``) archived in SQL."""
    teacher = await make_user("teacher")
    ends_at = STARTS_AT + timedelta(hours=1) if stored else utcnow() + timedelta(hours=1)
    lesson = await arrange_lesson(
        runtime, teacher, starts_at=STARTS_AT, ends_at=ends_at, lesson_name="Fizik"
    )
    record = make_record(lesson.attendance_id, student_number="S1", checked_in_at=CHECKED_IN_AT)
    await runtime.redis_client.save_attendance_record_user(record)
    if stored:
        assert (await persist(runtime)).attendances == 1
    aid = str(lesson.attendance_id)
    response = await api.get(url(aid, "export.csv"), headers=teacher.headers)
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    filename = unquote(response.headers["content-disposition"].split("filename*=UTF-8''")[1])
    json_records = (await api.get(url(aid, "records"), headers=teacher.headers)).json()
    assert json_records["records"][0]["checked_in_at"] == "2026-01-31T21:45:05.123456Z"
    return rows, filename, aid


class TestDefaultZone:
    @pytest.mark.parametrize("stored", [False, True], ids=["live", "stored"])
    async def test_local_time_with_the_zone_in_the_header_and_the_local_date_in_the_name(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser, stored: bool
    ) -> None:
        rows, filename, aid = await export_of_one_record(api, runtime, make_user, stored=stored)
        assert rows[0][3] == "checked_in_at (Europe/Istanbul)"
        assert rows[1][:4] == ["S1", "Ali Veli", "present", "2026-02-01 00:45:05"]
        assert filename == f"Fizik-2026-02-01-{aid[:8]}.csv"


class TestConfiguredZone:
    @pytest.fixture
    def app_settings(self, app_settings: Settings) -> Settings:
        return app_settings.model_copy(update={"time_zone": "America/New_York"})

    async def test_the_zone_comes_from_the_settings(
        self, api: httpx.AsyncClient, runtime: Runtime, make_user: MakeUser
    ) -> None:
        rows, filename, aid = await export_of_one_record(api, runtime, make_user, stored=False)
        assert rows[0][3] == "checked_in_at (America/New_York)"
        assert rows[1][3] == "2026-01-31 16:45:05"  # UTC-5 in winter
        assert filename == f"Fizik-2026-01-31-{aid[:8]}.csv"
