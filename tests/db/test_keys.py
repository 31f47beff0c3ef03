"""Pins every Redis key string: renaming one silently orphans live data in production."""

from __future__ import annotations

from uuid import UUID

import pytest
from redis.crc import key_slot

from attn.db import keys

AID = UUID("3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f")


class TestKeyStrings:
    @pytest.mark.parametrize(
        ("key", "expected"),
        [
            (keys.user_session("S2001", "ab12"), "attn:user:{S2001}:session:ab12"),
            (keys.user_sessions("S2001"), "attn:user:{S2001}:sessions"),
            (keys.lesson(AID), f"attn:att:{{{AID}}}:lesson"),
            (keys.records(AID), f"attn:att:{{{AID}}}:records"),
            (keys.version(AID), f"attn:att:{{{AID}}}:version"),
            (keys.lease(AID), f"attn:att:{{{AID}}}:lease"),
            (keys.devices(AID), f"attn:att:{{{AID}}}:devices"),
            (keys.secret(AID), f"attn:att:{{{AID}}}:secret"),
            (keys.device_attempts(AID), f"attn:att:{{{AID}}}:device_attempts"),
            (keys.audit(AID), f"attn:att:{{{AID}}}:audit"),
            (keys.scan_ticket(AID, "ab12"), f"attn:att:{{{AID}}}:scan:ab12"),
            (keys.tombstone(AID), f"attn:att:{{{AID}}}:tombstone"),
            (keys.events(AID), f"attn:att:{{{AID}}}:events"),
            (keys.roster(AID), f"attn:att:{{{AID}}}:roster"),
            (keys.course_index(AID), f"attn:index:course:{{{AID}}}"),
            (
                keys.name_index("ayşe yilmaz", "veri yapilari"),
                "attn:index:name:ayşe yilmaz:veri yapilari",
            ),
            (keys.teacher_index("T1001"), "attn:index:teacher:{T1001}"),
            (keys.teacher_start_lock("T1001"), "attn:lock:teacher:{T1001}:start"),
            (keys.live_index(), "attn:index:live"),
            (keys.due(), "attn:due"),
            (keys.dead_letter(), "attn:dead"),
            (keys.rate_limit("login", "10.0.0.1", 123), "attn:rl:login:{10.0.0.1}:123"),
            (keys.callback_seen("cb-1"), "attn:cb:cb-1"),
            (keys.face_request("cb-1"), "attn:face:cb-1"),
            (keys.import_draft("A1", "ab12"), "attn:import:{A1}:ab12"),
        ],
    )
    def test_exact_string(self, key: str, expected: str) -> None:
        assert key == expected

    def test_lesson_literal(self) -> None:
        assert keys.lesson(AID) == "attn:att:{3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f}:lesson"

    def test_str_and_uuid_ids_give_the_same_key(self) -> None:
        assert keys.records(str(AID)) == keys.records(AID)

    def test_attendance_keys_lists_every_per_attendance_key(self) -> None:
        assert keys.attendance_keys(AID) == [
            keys.lesson(AID),
            keys.records(AID),
            keys.version(AID),
            keys.devices(AID),
            keys.secret(AID),
            keys.device_attempts(AID),
            keys.audit(AID),
            keys.events(AID),
            keys.roster(AID),
        ]


class TestClusterSlots:
    def test_one_attendance_maps_to_one_slot(self) -> None:
        attendance = [*keys.attendance_keys(AID), keys.lease(AID), keys.tombstone(AID)]
        slots = {key_slot(key.encode()) for key in attendance}
        assert slots == {key_slot(str(AID).encode())}

    def test_teacher_lock_shares_the_teacher_index_slot(self) -> None:
        lock, index = keys.teacher_start_lock("T1001"), keys.teacher_index("T1001")
        assert key_slot(lock.encode()) == key_slot(index.encode())

    def test_different_attendances_spread_over_slots(self) -> None:
        other = UUID("00000000-0000-4000-8000-000000000001")
        assert key_slot(keys.lesson(AID).encode()) != key_slot(keys.lesson(other).encode())
