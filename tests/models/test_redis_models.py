"""Validation of the Redis models: bad values are rejected where they enter, naming the field."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import pytest
from pydantic import ValidationError

from attn.models import AttendanceRecordRedis, LessonRedis, RecordStatus, UserRedis
from attn.models.types import contains_words, format_utc, name_words, normalize_name
from tests.helpers.factories import make_lesson, make_record, make_user

ISTANBUL = timezone(timedelta(hours=3))


def error_fields(exc: ValidationError) -> set[str]:
    return {".".join(str(part) for part in error["loc"]) for error in exc.errors()}


class TestValidation:
    def test_naive_datetime_rejected(self) -> None:
        with pytest.raises(ValidationError, match="timezone-aware") as info:
            make_lesson(starts_at=datetime(2026, 1, 31, 9, 0))
        assert "starts_at" in error_fields(info.value)

    @pytest.mark.parametrize("minutes", [0, -30])
    def test_ends_at_not_after_starts_at_rejected(self, minutes: int) -> None:
        starts = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)
        with pytest.raises(ValidationError, match="ends_at must be after starts_at"):
            make_lesson(starts_at=starts, ends_at=starts + timedelta(minutes=minutes))

    def test_session_expiry_must_follow_issue(self) -> None:
        now = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)
        with pytest.raises(ValidationError, match="expires_at"):
            make_user(issued_at=now, expires_at=now)

    @pytest.mark.parametrize("number", ["", "has space", "x" * 33, "ö123", "a/b"])
    def test_bad_user_number_names_the_field(self, number: str) -> None:
        with pytest.raises(ValidationError) as info:
            make_user(user_number=number)
        assert error_fields(info.value) == {"user_number"}
        with pytest.raises(ValidationError) as info:
            make_record(uuid4(), student_number=number)
        assert error_fields(info.value) == {"student_number"}
        with pytest.raises(ValidationError) as info:
            make_lesson(teacher_number=number)
        assert error_fields(info.value) == {"teacher_number"}

    @pytest.mark.parametrize("name", ["", "   ", "x" * 201, "Ali\x00Veli", "Ali\u200bVeli"])
    def test_bad_names_rejected(self, name: str) -> None:
        with pytest.raises(ValidationError) as info:
            make_record(uuid4(), user_full_name=name)
        assert error_fields(info.value) == {"user_full_name"}

    def test_names_are_trimmed_and_collapsed(self) -> None:
        lesson = make_lesson(lesson_name="  Veri   Yapıları ", teacher_full_name="Ayşe\tYılmaz")
        assert (lesson.lesson_name, lesson.teacher_full_name) == ("Veri Yapıları", "Ayşe Yılmaz")

    def test_unknown_fields_rejected(self) -> None:
        with pytest.raises(ValidationError) as info:
            make_record(uuid4(), surprise=1)
        assert error_fields(info.value) == {"surprise"}

    def test_bad_client_ip_and_fail_reason_rejected(self) -> None:
        with pytest.raises(ValidationError) as info:
            make_record(uuid4(), client_ip="999.1.1.1", fail_reason="Not Snake")
        assert error_fields(info.value) == {"client_ip", "fail_reason"}

    def test_networks_normalised(self) -> None:
        lesson = make_lesson(checks={"network": True, "allowed_networks": [" 10.0.0.7/24 "]})
        assert lesson.checks.allowed_networks == ["10.0.0.0/24"]

    def test_decided_by(self) -> None:
        assert not make_record(uuid4()).decided_by_teacher
        assert make_record(uuid4(), decided_by="T1001").decided_by_teacher


class TestJson:
    def test_lesson_round_trip(self) -> None:
        lesson = make_lesson(
            late_after_minutes=10,
            finished_at=datetime.now(ISTANBUL),
            checks={"code": True, "device": True},
        )
        assert LessonRedis.from_json(lesson.to_json()) == lesson

    def test_record_round_trip(self) -> None:
        record = make_record(
            uuid4(), status=RecordStatus.REJECTED, fail_reason="network_denied", client_ip="::1"
        )
        assert AttendanceRecordRedis.from_json(record.to_json()) == record

    def test_user_round_trip(self) -> None:
        user = make_user(full_name="İsmail Işık")
        assert UserRedis.from_json(user.to_json()) == user

    def test_datetimes_stored_as_fixed_width_utc(self) -> None:
        at = datetime(2026, 1, 31, 12, 0, tzinfo=ISTANBUL)
        lesson = make_lesson(starts_at=at, ends_at=at + timedelta(seconds=1, microseconds=5))
        stored = json.loads(lesson.to_json())
        assert stored["starts_at"] == "2026-01-31T09:00:00.000000Z"
        assert stored["ends_at"] == "2026-01-31T09:00:01.000005Z"
        assert lesson.starts_at.tzinfo == UTC


class TestFormatUtc:
    def test_fixed_width_and_sorts_like_time(self) -> None:
        base = datetime(2026, 1, 31, 23, 59, 59, 999_999, tzinfo=UTC)
        instants = [
            base,
            base + timedelta(microseconds=1),
            base.astimezone(ISTANBUL) + timedelta(hours=5),
            datetime(2026, 2, 1, 0, 0, tzinfo=UTC) - timedelta(days=400),
            datetime(1, 1, 1, tzinfo=UTC),  # strftime("%Y") would write "1", not "0001"
            datetime(999, 12, 31, 23, 59, tzinfo=UTC),
            datetime(9999, 12, 31, 20, 59, tzinfo=ISTANBUL),
        ]
        texts = [format_utc(at) for at in instants]
        assert {len(text) for text in texts} == {27}
        assert all(text.endswith("Z") for text in texts)
        assert sorted(texts) == [format_utc(at) for at in sorted(instants)]

    def test_naive_refused(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            format_utc(datetime(2026, 1, 31))

    def test_microseconds_and_the_offset_are_normalised(self) -> None:
        assert (
            format_utc(datetime(2026, 1, 31, 9, tzinfo=ISTANBUL)) == "2026-01-31T06:00:00.000000Z"
        )
        assert format_utc(datetime(1, 1, 1, tzinfo=UTC)) == "0001-01-01T00:00:00.000000Z"

    def test_out_of_range_once_in_utc_is_a_value_error(self) -> None:
        with pytest.raises(ValueError, match="out of range"):
            format_utc(datetime(1, 1, 1, tzinfo=ISTANBUL))


class TestNormalizeName:
    @pytest.mark.parametrize(
        ("a", "b"),
        [
            ("Ayşe Yılmaz", "AYŞE YILMAZ"),
            ("Işık", "ışık"),
            ("IŞIK", "ışık"),
            ("İstanbul", "istanbul"),
            ("İSTANBUL", "Istanbul"),
            ("Prof. Dr. Ayşe Yılmaz", "prof. dr.  AYŞE YILMAZ"),
            ("Veri Yapıları", "veri yapıları"),
            ("  Veri\tYapıları\n", "veri yapıları"),
            ("Straße", "STRASSE"),
            ("ﬁzik", "fizik"),  # NFKC: the ligature
            ("Çağrı Öztürk", "ÇAĞRI ÖZTÜRK"),
            ("Çağrı", "C\u0327ag\u0306ri"),  # composed vs decomposed
            # an English keyboard: the Turkish letters fold to their base letters
            ("Ayşe Yılmaz", "ayse yilmaz"),
            ("Çiğdem Öztürk", "cigdem ozturk"),
            ("Veri Yapıları", "veri yapilari"),
            ("Öz", "Oz"),
            ("Ağ Güvenliği", "AG GUVENLIGI"),
            # other Latin diacritics, and letters that do not decompose
            ("José Müller-Lüdenscheidt", "jose muller ludenscheidt"),
            ("Søren Łukasz Đorđe Ħal", "soren lukasz dorde hal"),
            ("Æsir Œuvre Þór Straße", "aesir oeuvre thor strasse"),
            # punctuation, titles' dots
            ("Prof. Dr. Ayşe Yılmaz", "Prof Dr Ayse Yilmaz"),
            ("O’Brien", "O'Brien"),
            ("Veri-Yapıları (2)", "veri yapilari 2"),
        ],
    )
    def test_equivalent(self, a: str, b: str) -> None:
        assert normalize_name(a) == normalize_name(b)

    @pytest.mark.parametrize(
        ("a", "b"),
        [
            ("Veri Yapıları", "Veri Yapısı"),
            ("Öz", "Ez"),
            ("Ayşe Yılmaz", "Yılmaz Ayşe"),  # the key keeps the order; matching ignores it
            ("Ders 1", "Ders 2"),
        ],
    )
    def test_different(self, a: str, b: str) -> None:
        assert normalize_name(a) != normalize_name(b)

    def test_collapses_whitespace_and_punctuation(self) -> None:
        assert normalize_name("  Prof.   Dr.\u00a0Ayşe ") == "prof dr ayse"
        assert normalize_name("İĞDE, ışık; ÇAY!") == "igde isik cay"

    @pytest.mark.parametrize("value", ["", "   ", "...", " - / . "])
    def test_nothing_but_punctuation_is_empty(self, value: str) -> None:
        assert normalize_name(value) == ""
        assert name_words(value) == []

    def test_other_scripts_keep_their_letters(self) -> None:
        assert normalize_name("Ελληνικά ΆΛΦΑ") == "ελληνικα αλφα"
        assert normalize_name("한국어 수업") == "한국어 수업"  # Hangul recomposed after NFKD
        assert normalize_name("ｆｕｌｌｗｉｄｔｈ") == "fullwidth"


class TestNameWords:
    def test_words_of_a_name(self) -> None:
        assert name_words("Prof. Dr. Ayşe Yılmaz") == ["prof", "dr", "ayse", "yilmaz"]

    @pytest.mark.parametrize(
        "query",
        [
            "veri",
            "yap",
            "veri yapilari",
            "yapilari veri",
            "VERİ YAPILARI",
            "ları ver",
            "",
            "...",
        ],
    )
    def test_every_query_word_inside_some_word_any_order(self, query: str) -> None:
        assert contains_words("Veri Yapıları", name_words(query))

    @pytest.mark.parametrize("query", ["veri algoritma", "veriyapilari", "yapısı"])
    def test_a_missing_word_does_not_match(self, query: str) -> None:
        assert not contains_words("Veri Yapıları", name_words(query))
