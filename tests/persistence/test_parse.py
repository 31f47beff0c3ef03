"""Parsing a snapshot: the fast compiled check and the model must agree on every record.

The job reads records through :class:`StoredRecord` (pydantic's compiled validators only)
and falls back to :class:`AttendanceRecordRedis` for anything that check refuses, so a record
is stored exactly as the model reads it, and refused exactly when the model refuses it.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import get_type_hints

import pytest

from attn.db.redis_client import AttendanceSnapshot
from attn.db.sql.tables import RECORD_COLUMNS
from attn.models import AttendanceRecordRedis, LessonRedis, RecordStatus, Role
from attn.models.types import utcnow
from attn.persistence.errors import BadAttendance
from attn.persistence.parse import (
    VERIFICATION_TIMEOUT,
    ParsedAttendance,
    StoredRecord,
    parse_snapshot,
    record_values,
)
from tests.helpers.factories import make_lesson, make_record


def parse(lesson: LessonRedis, raw_records: dict[str, str]) -> ParsedAttendance:
    snapshot = AttendanceSnapshot(raw_lesson=lesson.to_json(), raw_records=raw_records, version=3)
    return parse_snapshot(str(lesson.attendance_id), snapshot, utcnow())


def stored(records: list[AttendanceRecordRedis]) -> dict[str, str]:
    return {record.student_number: record.to_json() for record in records}


def edited(record: AttendanceRecordRedis, **changes: object) -> str:
    """The record's stored JSON with some keys replaced (None removes a key)."""
    data = json.loads(record.to_json())
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return json.dumps(data, ensure_ascii=False)


class TestStoredRecordMatchesTheModel:
    def test_it_has_exactly_the_models_fields(self) -> None:
        assert set(get_type_hints(StoredRecord)) == set(AttendanceRecordRedis.model_fields)

    def test_every_status_gives_the_row_the_model_gives(self) -> None:
        lesson = make_lesson()
        records = [
            make_record(
                lesson.attendance_id,
                student_number=f"S{index:04d}",
                user_full_name=f"Öğrenci Işık {index}",
                status=status,
                fail_reason="code_invalid" if status is RecordStatus.REJECTED else None,
                client_ip="2001:db8::1" if index % 2 else "10.0.0.7",
                device_id=f"device-{index:08d}",
                attempt_count=index,
                decided_by="T1001" if status is RecordStatus.EXCUSED else "self",
            )
            for index, status in enumerate(RecordStatus)
        ]
        parsed = parse(lesson, stored(records))
        by_model = sorted((record_values(r) for r in records), key=lambda row: row[1])
        assert parsed.records == by_model
        pending = next(row for row in parsed.records if row[1] == "S0002")
        assert (pending[2], pending[5]) == (RecordStatus.REJECTED, VERIFICATION_TIMEOUT)
        assert parsed.version == 3

    def test_users_are_the_teacher_and_each_student_by_their_stored_names(self) -> None:
        lesson = make_lesson()
        one = make_record(lesson.attendance_id, student_number="S1", user_full_name="Ayşe Yılmaz")
        two = make_record(lesson.attendance_id, student_number="S2", user_full_name="İsmail Işık")
        parsed = parse(lesson, stored([two, one]))
        assert parsed.users == sorted(
            [
                (lesson.teacher_number, lesson.teacher_full_name, Role.TEACHER, lesson.created_at),
                ("S1", "Ayşe Yılmaz", Role.STUDENT, one.updated_at),
                ("S2", "İsmail Işık", Role.STUDENT, two.updated_at),
            ]
        )


class TestWhatOnlyTheModelAccepts:
    """Stored forms the compiled check refuses but the model reads: kept, as the model
    reads them, never dead-lettered for being written by an older or other writer."""

    def test_a_missing_key_with_a_default_takes_the_default(self) -> None:
        lesson = make_lesson()
        record = make_record(lesson.attendance_id, attempt_count=4)
        parsed = parse(lesson, {record.student_number: edited(record, attempt_count=None)})
        assert parsed.records[0][RECORD_COLUMNS.index("attempt_count")] == 1

    def test_an_upper_case_attendance_id_is_the_same_attendance(self) -> None:
        lesson = make_lesson()
        record = make_record(lesson.attendance_id)
        raw = edited(record, attendance_id=str(lesson.attendance_id).upper())
        parsed = parse(lesson, {record.student_number: raw})
        assert parsed.records == [record_values(record)]

    @pytest.mark.parametrize(
        ("stored_name", "name"),
        [
            ("  Ali   Veli ", "Ali Veli"),
            ("Ays\u0327e", "Ayşe"),
            ("Ali\u2028Veli", "Ali Veli"),
        ],
    )
    def test_a_name_the_model_would_clean_is_stored_clean(
        self, stored_name: str, name: str
    ) -> None:
        lesson = make_lesson()
        record = make_record(lesson.attendance_id, student_number="S1")
        parsed = parse(lesson, {"S1": edited(record, user_full_name=stored_name)})
        assert parsed.users[0][:2] == ("S1", name)

    @pytest.mark.parametrize("stored_ip", ["2001:DB8::1", "2001:0db8:0:0:0:0:0:1"])
    def test_an_ipv6_address_the_model_would_shorten_is_stored_short(self, stored_ip: str) -> None:
        lesson = make_lesson()
        record = make_record(lesson.attendance_id, student_number="S1")
        parsed = parse(lesson, {"S1": edited(record, client_ip=stored_ip)})
        assert parsed.records[0][7] == "2001:db8::1"

    def test_another_utc_offset_is_stored_as_the_same_instant(self) -> None:
        lesson = make_lesson()
        record = make_record(lesson.attendance_id)
        local = record.checked_in_at.astimezone(tz=None).isoformat()
        parsed = parse(lesson, {record.student_number: edited(record, checked_in_at=local)})
        assert parsed.records[0][3] == record.checked_in_at


class TestWhatBothRefuse:
    @pytest.mark.parametrize(
        ("changes", "problem"),
        [
            ({"user_full_name": "Ali\u0000Veli"}, "user_full_name"),
            ({"user_full_name": "Ali\u200bVeli"}, "user_full_name"),
            ({"user_full_name": " "}, "user_full_name"),
            ({"checked_in_at": "2026-11-26T09:00:00"}, "checked_in_at"),
            ({"status": "here"}, "status"),
            ({"client_ip": "not-an-address"}, "client_ip"),
            ({"attempt_count": -1}, "attempt_count"),
            ({"surprise": 1}, "surprise"),
            ({"student_number": None}, "student_number"),
        ],
    )
    def test_an_invalid_record_names_the_student_and_the_field(
        self, changes: dict[str, object], problem: str
    ) -> None:
        lesson = make_lesson()
        good = make_record(lesson.attendance_id, student_number="S1")
        bad = make_record(lesson.attendance_id, student_number="S2")
        raws = {"S1": good.to_json(), "S2": edited(bad, **changes)}
        with pytest.raises(BadAttendance, match=rf"record of 'S2' is invalid: {problem}"):
            parse(lesson, raws)

    def test_two_records_in_one_value_are_refused(self) -> None:
        lesson = make_lesson()
        one = make_record(lesson.attendance_id, student_number="S1")
        two = make_record(lesson.attendance_id, student_number="S2")
        with pytest.raises(BadAttendance, match="record of 'S1' is invalid"):
            parse(lesson, {"S1": f"{one.to_json()},{two.to_json()}"})

    def test_a_record_under_another_students_key_is_refused(self) -> None:
        lesson = make_lesson()
        record = make_record(lesson.attendance_id, student_number="S2")
        with pytest.raises(BadAttendance, match="stored under 'S1' belongs to another"):
            parse(lesson, {"S1": record.to_json()})

    def test_a_record_of_another_attendance_is_refused(self) -> None:
        lesson, other = make_lesson(), make_lesson()
        record = make_record(other.attendance_id, student_number="S1")
        with pytest.raises(BadAttendance, match="stored under 'S1' belongs to another"):
            parse(lesson, {"S1": record.to_json()})

    def test_a_lesson_stored_under_another_id_is_refused(self) -> None:
        lesson = make_lesson()
        snapshot = AttendanceSnapshot(raw_lesson=lesson.to_json(), raw_records={}, version=1)
        with pytest.raises(BadAttendance, match="belongs to another attendance"):
            parse_snapshot(str(make_lesson().attendance_id), snapshot, utcnow())

    def test_no_records_is_an_empty_attendance(self) -> None:
        lesson = make_lesson(finished_at=utcnow() - timedelta(minutes=1))
        parsed = parse(lesson, {})
        assert parsed.records == []
        assert [user[0] for user in parsed.users] == [lesson.teacher_number]
