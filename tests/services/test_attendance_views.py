"""The teacher's live view serves stored JSON as is: it must equal what the slow path
(parse every record, dump it again) would produce, and fall back when a record is bad."""

from __future__ import annotations

import json
from uuid import uuid4

import pytest

from attn.models import AttendanceRecordRedis, RecordStatus
from attn.models.api_attendances import AttendanceOut, RecordOut
from attn.models.types import utcnow
from attn.services.attendance.views import (
    lesson_out,
    live_records_json,
    record_out,
    records_json,
    with_records,
)
from tests.helpers.factories import make_lesson, make_record


def raw_records(count: int) -> tuple[list[AttendanceRecordRedis], list[bytes]]:
    aid = uuid4()
    records = [
        make_record(
            aid,
            student_number=f"S{(count - n) * 7 % 1000:04d}",
            user_full_name=f"Öğrenci Işık {n}",
            status=RecordStatus.LATE if n % 3 else RecordStatus.PRESENT,
            client_ip="10.0.0.7",
        )
        for n in range(count)
    ]
    return records, [record.to_json().encode() for record in records]


class TestLiveRecordsJson:
    def test_record_out_mirrors_the_stored_record(self) -> None:
        assert list(RecordOut.model_fields) == list(AttendanceRecordRedis.model_fields)

    def test_a_stored_record_is_its_own_record_out_json(self) -> None:
        """The check-in answers a plain first check-in with the JSON it stored."""
        records, _ = raw_records(3)
        failed = records[0].model_copy(
            update={"fail_reason": "code_invalid", "device_id": "phone-0001"}
        )
        for record in (*records, failed):
            assert record_out(record).model_dump_json() == record.to_json()

    def test_equals_the_slow_path_sorted_by_number(self) -> None:
        records, raws = raw_records(50)
        fast = json.loads(live_records_json(raws))
        slow = json.loads(records_json([record_out(record) for record in records]))
        assert fast == slow
        numbers = [item["student_number"] for item in fast]
        assert numbers == sorted(numbers)
        assert len(numbers) == 50

    def test_passes_the_stored_bytes_through(self) -> None:
        _records, raws = raw_records(3)
        body = live_records_json(raws)
        assert all(raw in body for raw in raws)

    def test_key_order_from_a_lua_rewrite_is_fine(self) -> None:
        records, raws = raw_records(2)
        reordered = json.dumps(json.loads(raws[0]), sort_keys=True, ensure_ascii=False).encode()
        fast = json.loads(live_records_json([reordered, raws[1]]))
        assert len(fast) == 2
        assert {item["student_number"] for item in fast} == {r.student_number for r in records}

    def test_a_bad_record_is_skipped(self) -> None:
        records, raws = raw_records(3)
        extra = json.dumps({**json.loads(raws[0]), "secret": "x"}).encode()
        partial = b'{"student_number": "S1"}'
        fast = json.loads(live_records_json([extra, partial, *raws[1:]]))
        assert [item["student_number"] for item in fast] == sorted(
            r.student_number for r in records[1:]
        )

    @pytest.mark.parametrize("bad", [b"not json", b'{"a": 1}, {"b": 2}', b"[]", b"null", b""])
    def test_a_value_that_is_not_one_record_is_skipped(self, bad: bytes) -> None:
        records, raws = raw_records(2)
        fast = json.loads(live_records_json([*raws, bad]))
        assert [item["student_number"] for item in fast] == sorted(
            r.student_number for r in records
        )

    def test_empty(self) -> None:
        assert live_records_json([]) == b"[]"


class TestWithRecords:
    def test_splices_records_into_the_object(self) -> None:
        lesson = make_lesson()
        header = lesson_out(lesson, utcnow())
        _records, raws = raw_records(2)
        body = json.loads(with_records(header, live_records_json(raws)))
        assert (
            AttendanceOut.model_validate({k: v for k, v in body.items() if k != "records"})
            == header
        )
        assert len(body["records"]) == 2
