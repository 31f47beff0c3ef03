"""The SQL repository on SQLite and PostgreSQL: upserts, reads, soft deletion, audit."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from attn.db.sql import repository as repo
from attn.db.sql.rows import AttendanceRow, RecordRow, UserFromAttendance
from attn.db.sql.tables import ATTENDANCES, RECORDS, USERS
from attn.errors import Conflict
from attn.models import AttendanceRecordRedis, CheckSettings, LessonRedis, RecordStatus, Role
from tests.helpers.outcomes import refused_as

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ISTANBUL = timezone(timedelta(hours=3))


def make_lesson(
    *,
    teacher_number: str = "T100",
    teacher_full_name: str = "Prof. Dr. Ayşe Yılmaz",
    lesson_name: str = "Veri Yapıları",
    starts_at: datetime = T0,
    **overrides: Any,
) -> LessonRedis:
    return LessonRedis(
        attendance_id=overrides.pop("attendance_id", uuid4()),
        lesson_name=lesson_name,
        teacher_number=teacher_number,
        teacher_full_name=teacher_full_name,
        starts_at=starts_at,
        ends_at=overrides.pop("ends_at", starts_at + timedelta(minutes=50)),
        created_at=overrides.pop("created_at", starts_at - timedelta(minutes=1)),
        **overrides,
    )


def make_record(
    lesson: LessonRedis, student_number: str, *, minute: int = 1, **overrides: Any
) -> AttendanceRecordRedis:
    at = lesson.starts_at + timedelta(minutes=minute)
    return AttendanceRecordRedis(
        attendance_id=lesson.attendance_id,
        student_number=student_number,
        user_full_name=overrides.pop("user_full_name", f"Öğrenci {student_number}"),
        status=overrides.pop("status", RecordStatus.PRESENT),
        checked_in_at=overrides.pop("checked_in_at", at),
        updated_at=overrides.pop("updated_at", at),
        **overrides,
    )


async def persist(
    session: AsyncSession, lesson: LessonRedis, records: Sequence[AttendanceRecordRedis] = ()
) -> None:
    """What the persistence job does in its one transaction
    (docs/design.md#one-sql-transaction)."""
    users = [
        UserFromAttendance.teacher_of(lesson),
        *(UserFromAttendance.student_of(r) for r in records),
    ]
    await repo.insert_missing_users(session, users)
    await repo.upsert_attendance(session, AttendanceRow.from_redis(lesson, persisted_at=T0))
    await repo.upsert_records(session, [RecordRow.from_redis(r) for r in records])


async def snapshot(session: AsyncSession) -> dict[str, list[dict[str, Any]]]:
    """Every stored row of the three persisted tables, in a stable order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for table in (USERS, ATTENDANCES, RECORDS):
        result = await session.execute(select(table).order_by(*table.primary_key.columns))
        out[table.name] = [dict(row) for row in result.mappings()]
    return out


async def count(session: AsyncSession, table: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def row_versions(session: AsyncSession) -> Any:
    """Something that changes whenever a row is physically written (even with equal values)."""
    if session.get_bind().dialect.name == "postgresql":
        result = await session.execute(
            text(
                "SELECT xmin::text FROM users UNION ALL SELECT xmin::text FROM attendances "
                "UNION ALL SELECT xmin::text FROM attendance_records"
            )
        )
        return sorted(result.scalars())
    return await session.scalar(text("SELECT total_changes()"))


class TestIdempotentUpserts:
    async def test_same_batch_twice_changes_nothing(self, session: AsyncSession) -> None:
        lesson = make_lesson(finished_at=T0 + timedelta(minutes=40))
        records = [make_record(lesson, f"S{i:03}", minute=i % 30) for i in range(40)]
        await persist(session, lesson, records)
        await session.commit()
        first = await snapshot(session)
        versions = await row_versions(session)

        await persist(session, lesson, records)
        await session.commit()

        assert await snapshot(session) == first
        assert await row_versions(session) == versions, "a replay must not rewrite rows"
        assert len(first["users"]) == 41
        assert len(first["attendance_records"]) == 40

    async def test_changed_record_is_updated_in_every_mutable_column(
        self, session: AsyncSession
    ) -> None:
        lesson = make_lesson()
        original = make_record(lesson, "S001")
        await persist(session, lesson, [original])
        await session.commit()

        decided = original.model_copy(
            update={
                "status": RecordStatus.REJECTED,
                "fail_reason": "network",
                "decided_by": "T100",
                "client_ip": "10.0.0.7",
                "device_id": "device-0001",
                "attempt_count": 3,
                "checked_in_at": original.checked_in_at + timedelta(minutes=2),
                "updated_at": original.updated_at + timedelta(minutes=5),
            }
        )
        await repo.upsert_records(session, [RecordRow.from_redis(decided)])
        await session.commit()

        assert await repo.list_records(session, lesson.attendance_id) == [
            RecordRow.from_redis(decided)
        ]

    async def test_finished_attendance_is_updated(self, session: AsyncSession) -> None:
        lesson = make_lesson()
        await persist(session, lesson)
        finished = lesson.model_copy(update={"finished_at": T0 + timedelta(minutes=30)})
        later = T0 + timedelta(hours=1)
        await repo.upsert_attendance(
            session, AttendanceRow.from_redis(finished, persisted_at=later)
        )
        await repo.upsert_attendance(  # a replay later on changes nothing, not even persisted_at
            session, AttendanceRow.from_redis(finished, persisted_at=later + timedelta(hours=1))
        )

        stored = await repo.get_attendance(session, lesson.attendance_id)
        assert stored == AttendanceRow.from_redis(finished, persisted_at=later)

    async def test_duplicates_inside_one_batch_keep_the_last(self, session: AsyncSession) -> None:
        lesson = make_lesson()
        first = make_record(lesson, "S001")
        second = first.model_copy(update={"status": RecordStatus.LATE})
        await persist(session, lesson, [first, second])
        assert [r.status for r in await repo.list_records(session, lesson.attendance_id)] == [
            RecordStatus.LATE
        ]

    async def test_five_thousand_records_in_one_batch(self, session: AsyncSession) -> None:
        # 5,000 rows x 12 columns is far beyond one statement's 32,767 parameters.
        lesson = make_lesson()
        records = [make_record(lesson, f"S{i:05}", minute=i % 50) for i in range(5_000)]
        await persist(session, lesson, records)
        await session.commit()
        await persist(session, lesson, records)
        await session.commit()

        assert await count(session, RECORDS) == 5_000
        assert await count(session, USERS) == 5_001
        stored = await repo.list_records(session, lesson.attendance_id)
        assert stored[0] == RecordRow.from_redis(records[0])
        assert stored[-1] == RecordRow.from_redis(records[-1])

    async def test_big_batches_are_split_under_the_parameter_limit(
        self, engine: AsyncEngine, session: AsyncSession
    ) -> None:
        # Some SQLite builds accept far more parameters than 32,766, so watch the statements.
        inserts: list[int] = []

        def watch(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
            if statement.lstrip().upper().startswith("INSERT INTO ATTENDANCE_RECORDS"):
                inserts.append(len(parameters))

        lesson = make_lesson()
        records = [make_record(lesson, f"S{i:05}") for i in range(6_000)]
        event.listen(engine.sync_engine, "before_cursor_execute", watch)
        try:
            await persist(session, lesson, records)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", watch)

        assert len(inserts) >= 3
        assert max(inserts) <= 32_766
        assert sum(inserts) == 6_000 * len(RecordRow.__dataclass_fields__)


class TestInsertMissingUsers:
    async def test_never_changes_an_existing_user(self, session: AsyncSession) -> None:
        await repo.create_user(
            session,
            user_number="T100",
            full_name="Şükrü Gündoğdu",
            role=Role.TEACHER,
            password_hash="$argon2id$secret",
            at=T0,
        )
        seen = UserFromAttendance(
            user_number="T100",
            full_name="Sukru Gundogdu (typo)",
            role=Role.STUDENT,
            seen_at=T0 + timedelta(days=1),
        )
        await repo.insert_missing_users(session, [seen])

        user = await repo.get_user(session, "T100")
        assert user is not None
        assert (user.full_name, user.role) == ("Şükrü Gündoğdu", Role.TEACHER)
        assert (user.password_hash, user.created_at, user.updated_at) == (
            "$argon2id$secret",
            T0,
            T0,
        )

    async def test_creates_a_missing_user_once(self, session: AsyncSession) -> None:
        first = UserFromAttendance(
            user_number="S1", full_name="Yeni Ad", role=Role.STUDENT, seen_at=T0
        )
        later = dataclasses.replace(first, full_name="Başka Ad", seen_at=T0 + timedelta(days=3))
        await repo.insert_missing_users(session, [first])
        await repo.insert_missing_users(session, [later])

        user = await repo.get_user(session, "S1")
        assert user is not None
        assert (user.full_name, user.role, user.created_at, user.updated_at) == (
            "Yeni Ad",
            Role.STUDENT,
            T0,
            T0,
        )
        assert user.password_hash is None


class TestAccounts:
    async def test_create_twice_is_a_conflict_and_the_session_stays_usable(
        self, session: AsyncSession
    ) -> None:
        await repo.create_user(session, user_number="A1", full_name="Admin", role=Role.ADMIN, at=T0)
        with refused_as(Conflict) as caught:
            await repo.create_user(
                session, user_number="A1", full_name="Other", role=Role.STUDENT, at=T0
            )
        assert caught.value.code == "user_exists"
        await session.commit()  # the transaction was not aborted by the duplicate
        user = await repo.get_user(session, "A1")
        assert user is not None
        assert (user.full_name, user.role) == ("Admin", Role.ADMIN)

    async def test_list_users_by_role_with_pagination(self, session: AsyncSession) -> None:
        for i in range(5):
            await repo.create_user(
                session, user_number=f"S{i}", full_name=f"Student {i}", role=Role.STUDENT, at=T0
            )
        await repo.create_user(
            session, user_number="T1", full_name="Teacher", role=Role.TEACHER, at=T0
        )

        page = await repo.list_users(session, role=Role.STUDENT, limit=2, offset=2)
        assert ([u.user_number for u in page.items], page.total) == (["S2", "S3"], 5)
        everyone = await repo.list_users(session)
        assert everyone.total == 6
        assert len(everyone.items) == 6

    async def test_set_password_hash(self, session: AsyncSession) -> None:
        await repo.create_user(
            session, user_number="T1", full_name="Öğretmen", role=Role.TEACHER, at=T0
        )
        assert await repo.set_password_hash(session, "T1", "$argon2id$new", at=T0) is True
        assert await repo.set_password_hash(session, "nobody", "$argon2id$x", at=T0) is False
        user = await repo.get_user(session, "T1")
        assert user is not None
        assert (user.password_hash, user.updated_at) == ("$argon2id$new", T0)


class TestForeignKeys:
    async def test_attendance_for_an_unknown_teacher_is_refused(
        self, session: AsyncSession
    ) -> None:
        with pytest.raises(IntegrityError):
            await repo.upsert_attendance(session, AttendanceRow.from_redis(make_lesson()))

    async def test_record_for_an_unknown_student_is_refused(self, session: AsyncSession) -> None:
        lesson = make_lesson()
        await persist(session, lesson)
        with pytest.raises(IntegrityError):
            await repo.upsert_records(session, [RecordRow.from_redis(make_record(lesson, "S404"))])

    async def test_record_for_an_unknown_attendance_is_refused(self, session: AsyncSession) -> None:
        lesson = make_lesson()
        record = make_record(lesson, "S001")
        await repo.insert_missing_users(session, [UserFromAttendance.student_of(record)])
        with pytest.raises(IntegrityError):
            await repo.upsert_records(session, [RecordRow.from_redis(record)])

    async def test_unknown_status_is_refused_by_the_check_constraint(
        self, session: AsyncSession
    ) -> None:
        lesson = make_lesson()
        record = make_record(lesson, "S001")
        await persist(session, lesson, [record])
        with pytest.raises(IntegrityError):
            await session.execute(RECORDS.update().values(status="teleported"))


class TestSoftDelete:
    async def test_deleted_attendance_leaves_normal_queries(self, session: AsyncSession) -> None:
        lesson = make_lesson()
        await persist(session, lesson, [make_record(lesson, "S001")])
        at = T0 + timedelta(days=1)

        assert await repo.soft_delete_attendance(
            session, lesson.attendance_id, reason="wrong lesson", at=at
        )
        assert not await repo.soft_delete_attendance(
            session, lesson.attendance_id, reason="again", at=at
        )

        aid = lesson.attendance_id
        assert await repo.get_attendance(session, aid) is None
        assert await repo.list_records(session, aid) == []
        assert (await repo.list_attendances(session)).total == 0
        assert (await repo.list_student_records(session, "S001")).total == 0

        hidden = await repo.get_attendance(session, aid, include_deleted=True)
        assert hidden is not None
        assert (hidden.deleted_at, hidden.deletion_reason) == (at, "wrong lesson")
        assert len(await repo.list_records(session, aid, include_deleted=True)) == 1
        assert (await repo.list_attendances(session, include_deleted=True)).total == 1

    async def test_replaying_redis_data_does_not_undelete(self, session: AsyncSession) -> None:
        lesson = make_lesson()
        record = make_record(lesson, "S001")
        await persist(session, lesson, [record])
        await repo.soft_delete_attendance(session, lesson.attendance_id, reason="r", at=T0)
        await repo.soft_delete_record(session, lesson.attendance_id, "S001", reason="r", at=T0)

        changed = record.model_copy(update={"status": RecordStatus.LATE})
        await persist(session, lesson, [changed])

        assert await repo.get_attendance(session, lesson.attendance_id) is None
        [stored] = await repo.list_records(session, lesson.attendance_id, include_deleted=True)
        assert (stored.status, stored.deleted_at) == (RecordStatus.LATE, T0)

    async def test_deleted_record_leaves_normal_queries(self, session: AsyncSession) -> None:
        lesson = make_lesson()
        await persist(session, lesson, [make_record(lesson, "S001"), make_record(lesson, "S002")])

        assert await repo.soft_delete_record(
            session, lesson.attendance_id, "S001", reason="duplicate", at=T0
        )
        assert not await repo.soft_delete_record(
            session, lesson.attendance_id, "S404", reason="none", at=T0
        )

        visible = await repo.list_records(session, lesson.attendance_id)
        assert [r.student_number for r in visible] == ["S002"]
        everything = await repo.list_records(session, lesson.attendance_id, include_deleted=True)
        assert [(r.student_number, r.deletion_reason) for r in everything] == [
            ("S001", "duplicate"),
            ("S002", None),
        ]
        assert (await repo.list_student_records(session, "S001")).total == 0
        assert (await repo.list_student_records(session, "S002")).total == 1


class TestHistory:
    @pytest.fixture
    async def week(self, session: AsyncSession) -> list[LessonRedis]:
        """Seven daily lessons of two teachers, persisted."""
        lessons = [
            make_lesson(
                teacher_number="T1" if day % 2 == 0 else "T2",
                teacher_full_name="Ayşe Yılmaz" if day % 2 == 0 else "Işık Çelik",
                lesson_name="Veri Yapıları" if day < 4 else "Algoritmalar",
                starts_at=T0 + timedelta(days=day),
            )
            for day in range(7)
        ]
        for lesson in lessons:
            await persist(session, lesson, [make_record(lesson, "S001")])
        await session.commit()
        return lessons

    async def test_newest_first_with_total_and_pages(
        self, session: AsyncSession, week: list[LessonRedis]
    ) -> None:
        first = await repo.list_attendances(session, limit=3)
        second = await repo.list_attendances(session, limit=3, offset=3)
        ids = [a.attendance_id for a in first.items + second.items]
        assert ids == [lesson.attendance_id for lesson in reversed(week)][:6]
        assert first.total == second.total == 7

    async def test_filters(self, session: AsyncSession, week: list[LessonRedis]) -> None:
        def days(page: Any) -> list[int]:
            return sorted((a.starts_at - T0).days for a in page.items)

        assert days(await repo.list_attendances(session, teacher_number="T1")) == [0, 2, 4, 6]
        # the lesson name matches like discovery does: case, spacing and Turkish I/ı
        by_name = await repo.list_attendances(session, lesson_name="  VERİ   yapilari ")
        assert days(by_name) == [0, 1, 2, 3]
        assert days(await repo.list_attendances(session, lesson_name="YAPI")) == [0, 1, 2, 3]
        assert days(await repo.list_attendances(session, lesson_name="100%_")) == []
        window = await repo.list_attendances(
            session, date_from=T0 + timedelta(days=2), date_to=T0 + timedelta(days=5)
        )
        assert days(window) == [2, 3, 4]
        both = await repo.list_attendances(
            session, teacher_number="T2", lesson_name="algoritmalar", limit=1
        )
        assert (days(both), both.total) == ([5], 1)

    @pytest.mark.parametrize(
        "query", ["veri yapilari", "Yapıları Veri", "yapilari", "VERI-YAPILARI", "ları ver"]
    )
    async def test_lesson_name_words_in_any_order_without_diacritics(
        self, session: AsyncSession, week: list[LessonRedis], query: str
    ) -> None:
        page = await repo.list_attendances(session, lesson_name=query)
        assert sorted((a.starts_at - T0).days for a in page.items) == [0, 1, 2, 3]

    async def test_every_lesson_name_word_must_appear(
        self, session: AsyncSession, week: list[LessonRedis]
    ) -> None:
        assert (await repo.list_attendances(session, lesson_name="veri algoritma")).total == 0
        mine = await repo.list_attendances(session, teacher_number="T1", lesson_name="yapi veri")
        assert sorted((a.starts_at - T0).days for a in mine.items) == [0, 2]

    async def test_stored_lesson_key_is_folded(self, session: AsyncSession) -> None:
        lesson = make_lesson(lesson_name="Ağ Güvenliği: Çiğdem'in Dersi")
        await persist(session, lesson)
        await session.commit()
        stored = await session.scalar(select(ATTENDANCES.c.lesson_key))
        assert stored == "ag guvenligi cigdem in dersi"
        found = await repo.list_attendances(session, lesson_name="cigdem guvenlik")
        assert found.total == 0  # "guvenlik" is not part of "guvenligi"
        found = await repo.list_attendances(session, lesson_name="CIGDEM güvenliği ag")
        assert [a.attendance_id for a in found.items] == [lesson.attendance_id]

    async def test_date_filter_compares_instants_across_time_zones(
        self, session: AsyncSession, week: list[LessonRedis]
    ) -> None:
        # 12:00 in Istanbul is 09:00 UTC: day 3's lesson starts exactly then (inclusive).
        date_from = datetime(2026, 3, 5, 12, 0, tzinfo=ISTANBUL)
        page = await repo.list_attendances(session, date_from=date_from)
        assert page.total == 4

    async def test_student_history(self, session: AsyncSession, week: list[LessonRedis]) -> None:
        page = await repo.list_student_records(session, "S001", limit=2)
        assert page.total == 7
        assert [item.attendance.attendance_id for item in page.items] == [
            week[6].attendance_id,
            week[5].attendance_id,
        ]
        assert page.items[0].record == RecordRow.from_redis(make_record(week[6], "S001"))
        assert page.items[0].attendance == AttendanceRow.from_redis(week[6], persisted_at=T0)

    async def test_recent_lesson_names_of_one_teacher_each_once(
        self, session: AsyncSession, week: list[LessonRedis]
    ) -> None:
        # T1 taught Veri Yapıları on days 0 and 2 and Algoritmalar on days 4 and 6
        assert await repo.recent_lesson_names(session, "T1") == ["Algoritmalar", "Veri Yapıları"]
        assert await repo.recent_lesson_names(session, "T1", limit=1) == ["Algoritmalar"]
        assert await repo.recent_lesson_names(session, "T404") == []
        await repo.soft_delete_attendance(session, week[4].attendance_id, reason="r", at=T0)
        await repo.soft_delete_attendance(session, week[6].attendance_id, reason="r", at=T0)
        assert await repo.recent_lesson_names(session, "T1") == ["Veri Yapıları"]

    async def test_record_counts_by_status_without_deleted_records(
        self, session: AsyncSession
    ) -> None:
        lesson, empty = make_lesson(), make_lesson(starts_at=T0 + timedelta(days=1))
        records = [
            make_record(lesson, "S001"),
            make_record(lesson, "S002"),
            make_record(lesson, "S003", status=RecordStatus.LATE),
            make_record(lesson, "S004", status=RecordStatus.REJECTED, fail_reason="code_invalid"),
        ]
        await persist(session, lesson, records)
        await persist(session, empty)
        await repo.soft_delete_record(session, lesson.attendance_id, "S002", reason="r", at=T0)

        counts = await repo.count_records(session, [lesson.attendance_id, empty.attendance_id])
        assert counts == {
            lesson.attendance_id: {
                RecordStatus.PRESENT: 1,
                RecordStatus.LATE: 1,
                RecordStatus.REJECTED: 1,
            }
        }
        assert await repo.count_records(session, []) == {}


class TestRoundTrip:
    async def test_timezone_aware_datetimes(self, session: AsyncSession) -> None:
        local = datetime(2026, 3, 2, 12, 30, 15, 123456, tzinfo=ISTANBUL)
        lesson = make_lesson(starts_at=local)
        await persist(session, lesson, [make_record(lesson, "S001")])
        await session.commit()

        stored = await repo.get_attendance(session, lesson.attendance_id)
        assert stored is not None
        assert stored.starts_at == local
        assert stored.starts_at.utcoffset() == timedelta(0)
        assert stored.starts_at.tzinfo is UTC
        assert (stored.starts_at.hour, stored.starts_at.microsecond) == (9, 123456)
        [record] = await repo.list_records(session, lesson.attendance_id)
        assert record.checked_in_at.tzinfo is UTC

    async def test_naive_datetimes_are_refused(self, session: AsyncSession) -> None:
        lesson = make_lesson()
        await persist(session, lesson)
        with pytest.raises(StatementError, match="naive datetime"):
            await repo.list_attendances(session, date_from=datetime(2026, 1, 1))

    async def test_turkish_text(self, session: AsyncSession) -> None:
        name = "Çağrı Şükrü Öztürk İğdeli ıİğüşöç"
        lesson = make_lesson(
            lesson_name="Bilgisayar Ağları ve Güvenliği",
            checks=CheckSettings(network=True, allowed_networks=["10.0.0.0/8"]),
        )
        await persist(session, lesson, [make_record(lesson, "S001", user_full_name=name)])
        await repo.add_audit(
            session,
            actor="T100",
            action="record.accept",
            details={"neden": "Öğrenci geç geldi"},
            at=T0,
        )
        await session.commit()

        user = await repo.get_user(session, "S001")
        stored = await repo.get_attendance(session, lesson.attendance_id)
        audit = await repo.list_audit(session)
        assert user is not None
        assert stored is not None
        assert user.full_name == name
        assert stored.lesson_name == "Bilgisayar Ağları ve Güvenliği"
        assert stored.settings == lesson.checks.model_dump(mode="json")
        assert audit.items[0].details == {"neden": "Öğrenci geç geldi"}


class TestAudit:
    async def test_entries_are_appended_and_filtered(self, session: AsyncSession) -> None:
        aid: UUID = uuid4()
        first = await repo.add_audit(
            session,
            actor="T1",
            action="record.reject",
            attendance_id=aid,
            student_number="S1",
            details={"reason": "not in class"},
            at=T0,
        )
        second = await repo.add_audit(
            session, actor="A1", action="user.import", details={"count": 3}, at=T0
        )
        assert second > first

        page = await repo.list_audit(session)
        assert [entry.id for entry in page.items] == [second, first]
        mine = await repo.list_audit(session, attendance_id=aid)
        assert mine.total == 1
        assert mine.items[0].student_number == "S1"
        assert mine.items[0].at == T0


class TestIdsAsStrings:
    async def test_every_attendance_lookup_takes_the_id_as_a_string_too(
        self, session: AsyncSession
    ) -> None:
        """The seed's report passes ids as strings; the data layer takes both forms."""
        lesson = make_lesson()
        await persist(session, lesson, [make_record(lesson, "S1"), make_record(lesson, "S2")])
        aid = str(lesson.attendance_id)
        found = await repo.get_attendance(session, aid)
        assert found is not None
        assert found.attendance_id == lesson.attendance_id
        assert [r.student_number for r in await repo.list_records(session, aid)] == ["S1", "S2"]
        assert await repo.get_record(session, aid, "S1") is not None
        await repo.add_audit(session, actor="T1", action="record_saved", attendance_id=aid, at=T0)
        assert (await repo.list_audit(session, attendance_id=aid)).total == 1
        assert await repo.soft_delete_record(session, aid, "S2", reason="yanlış", at=T0)
        assert await repo.soft_delete_attendance(session, aid, reason="deneme", at=T0)
