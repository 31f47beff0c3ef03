"""The SQL schema (docs/design.md#sql-schema) as SQLAlchemy 2 declarative models.

The migrations in ``attn/migrations`` are written by hand to match this module; a test compares
the migrated database against this metadata on both backends.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from attn.db.sql.types import JsonDocument, UtcDateTime
from attn.models.api_courses import LATE_WEIGHT_DEFAULT, THRESHOLD_DEFAULT
from attn.models.types import RecordStatus, Role

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Deterministic constraint names, so migrations can name what they alter or drop."""


def _in_list(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


ROLE_CHECK = _in_list("role", [r.value for r in Role])
STATUS_CHECK = _in_list("status", [s.value for s in RecordStatus])


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        dict[str, Any]: JsonDocument,
    }


class User(Base):
    """Students, teachers and admins; persistence creates missing students from records."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(ROLE_CHECK, name="role"),
        Index("ix_users_role", "role"),
    )

    user_number: Mapped[str] = mapped_column(String(32), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deactivated_at: Mapped[datetime | None]
    """Set by an admin's deactivation (None: active): no login, but every record stays."""


class Attendance(Base):
    """One persisted attendance session.

    ``lesson_key`` is ``normalize_name(lesson_name)`` (cut to 200 characters): lower case,
    Turkish letters and other diacritics folded to ASCII-typable ones, punctuation turned
    into spaces. History filters require each query word inside it (``LIKE``), so they
    match the way live search does; the teacher filter narrows them by its index first.
    Revision 0002 rewrote the keys stored before (Turkish i and case only).
    """

    __tablename__ = "attendances"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="window"),
        CheckConstraint("late_after_minutes >= 0", name="late_after_minutes"),
        Index("ix_attendances_teacher_number_starts_at", "teacher_number", "starts_at"),
        Index("ix_attendances_starts_at", "starts_at"),
        Index("ix_attendances_lesson_key", "lesson_key"),
        Index("ix_attendances_course_id_starts_at", "course_id", "starts_at"),
    )

    attendance_id: Mapped[UUID] = mapped_column(Uuid(), primary_key=True)
    lesson_name: Mapped[str] = mapped_column(String(200))
    lesson_key: Mapped[str] = mapped_column(String(200))
    teacher_number: Mapped[str] = mapped_column(String(32), ForeignKey("users.user_number"))
    course_id: Mapped[UUID | None] = mapped_column(Uuid(), ForeignKey("courses.course_id"))
    """The course this attendance is a lesson of (revision 0005); None: an ad-hoc one."""
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    late_after_minutes: Mapped[int | None] = mapped_column(Integer)
    settings: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    persisted_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    deletion_reason: Mapped[str | None] = mapped_column(String(500))


class AttendanceRecord(Base):
    """One student in one attendance; the primary key also indexes ``attendance_id``.

    Columns are declared in the order of the rows persistence writes (:data:`RECORD_COLUMNS`,
    the same as :class:`~attn.db.sql.rows.RecordRow`); the migrations created
    ``updated_at`` after ``attempt_count``, which no query depends on (every statement
    names its columns) and the schema comparison does not look at.
    """

    __tablename__ = "attendance_records"
    __table_args__ = (
        CheckConstraint(STATUS_CHECK, name="status"),
        CheckConstraint("attempt_count >= 0", name="attempt_count"),
        Index("ix_attendance_records_student_number", "student_number"),
    )

    attendance_id: Mapped[UUID] = mapped_column(
        Uuid(), ForeignKey("attendances.attendance_id"), primary_key=True
    )
    student_number: Mapped[str] = mapped_column(
        String(32), ForeignKey("users.user_number"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16))
    checked_in_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    fail_reason: Mapped[str | None] = mapped_column(String(64))
    decided_by: Mapped[str] = mapped_column(String(32))
    client_ip: Mapped[str | None] = mapped_column(String(45))
    device_id: Mapped[str | None] = mapped_column(String(128))
    attempt_count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    deleted_at: Mapped[datetime | None]
    deletion_reason: Mapped[str | None] = mapped_column(String(500))
    decision_reason: Mapped[str | None] = mapped_column(String(500))


class AuditLog(Base):
    """Every manual change by a teacher or admin, with the reason in ``details``.

    No foreign keys on purpose: entries are written while an attendance is still live in
    Redis, before its row exists here, and an audit trail must outlive what it describes.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_actor_at", "actor", "at"),
        Index("ix_audit_log_attendance_id", "attendance_id"),
        Index("ix_audit_log_student_number", "student_number"),
        Index("ix_audit_log_entry_id", "entry_id", unique=True),
    )

    # BIGINT on PostgreSQL; plain INTEGER on SQLite, where only that is the auto-rowid alias.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    attendance_id: Mapped[UUID | None] = mapped_column(Uuid())
    student_number: Mapped[str | None] = mapped_column(String(32))
    details: Mapped[dict[str, Any]]
    entry_id: Mapped[UUID | None] = mapped_column(Uuid())
    """Unique id of the entry, given where it was made (Redis outbox or SQL), so moving it
    from Redis twice writes it once; None only on entries from before revision 0003."""


class Course(Base):
    """A course: its code (unique in the installation), name, term and report settings.

    The settings are whole percentages (0–100), so a rate compares without rounding
    surprises: ``late_weight_percent`` is what a ``late`` counts of a ``present``,
    ``threshold_percent`` the attendance rate under which a student is listed.
    """

    __tablename__ = "courses"
    __table_args__ = (
        UniqueConstraint("code"),
        CheckConstraint("late_weight_percent BETWEEN 0 AND 100", name="late_weight_percent"),
        CheckConstraint("threshold_percent BETWEEN 0 AND 100", name="threshold_percent"),
        Index("ix_courses_term", "term"),
    )

    course_id: Mapped[UUID] = mapped_column(Uuid(), primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    term: Mapped[str] = mapped_column(String(32))
    late_weight_percent: Mapped[int] = mapped_column(
        Integer, default=LATE_WEIGHT_DEFAULT, server_default=str(LATE_WEIGHT_DEFAULT)
    )
    threshold_percent: Mapped[int] = mapped_column(
        Integer, default=THRESHOLD_DEFAULT, server_default=str(THRESHOLD_DEFAULT)
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CourseTeacher(Base):
    """A teacher of a course (one or more per course); they manage its roster."""

    __tablename__ = "course_teachers"
    __table_args__ = (Index("ix_course_teachers_teacher_number", "teacher_number"),)

    course_id: Mapped[UUID] = mapped_column(
        Uuid(), ForeignKey("courses.course_id"), primary_key=True
    )
    teacher_number: Mapped[str] = mapped_column(
        String(32), ForeignKey("users.user_number"), primary_key=True
    )
    added_at: Mapped[datetime]


class Enrolment(Base):
    """One stay of a student on a course's roster: ``enrolled_at`` until ``left_at``.

    A removal sets ``left_at`` (never deletes), and adding the student again starts a new
    row, so the roster at any past instant can be answered: the rows with
    ``enrolled_at <= t`` and ``left_at`` NULL or after ``t``. The absent-at-close rule
    reads it at the attendance's finish time, whenever the persistence job runs. At most
    one open row (``left_at`` NULL) per student and course (a partial unique index).
    """

    __tablename__ = "enrolments"
    __table_args__ = (
        CheckConstraint("left_at IS NULL OR left_at >= enrolled_at", name="stay"),
        Index(
            "ix_enrolments_current",
            "course_id",
            "student_number",
            unique=True,
            sqlite_where=text("left_at IS NULL"),
            postgresql_where=text("left_at IS NULL"),
        ),
        Index("ix_enrolments_course_id_enrolled_at", "course_id", "enrolled_at"),
        Index("ix_enrolments_student_number", "student_number"),
    )

    # BIGINT on PostgreSQL; plain INTEGER on SQLite, where only that is the auto-rowid alias.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    course_id: Mapped[UUID] = mapped_column(Uuid(), ForeignKey("courses.course_id"))
    student_number: Mapped[str] = mapped_column(String(32), ForeignKey("users.user_number"))
    enrolled_at: Mapped[datetime]
    left_at: Mapped[datetime | None]


class Excuse(Base):
    """A student's request to be excused for a stored attendance (revision 0006).

    ``requested`` until a teacher or admin ``approved`` it (the record became ``excused``)
    or ``declined`` it (``decision_reason`` says why). ``record_status`` is the student's
    record when they asked (None: they had none). The attached file's bytes are never in
    this table (listing requests reads no file): in ``excuse_files`` when ``file_storage``
    is ``database``, in the configured folder when it is ``folder``. At most one open
    request per student and attendance (a partial unique index).
    """

    __tablename__ = "excuses"
    __table_args__ = (
        CheckConstraint("status IN ('requested', 'approved', 'declined')", name="status"),
        CheckConstraint(
            "file_storage IS NULL OR file_storage IN ('database', 'folder')",
            name="file_storage",
        ),
        Index(
            "ix_excuses_open",
            "attendance_id",
            "student_number",
            unique=True,
            sqlite_where=text("status = 'requested'"),
            postgresql_where=text("status = 'requested'"),
        ),
        Index("ix_excuses_attendance_id", "attendance_id"),
        Index("ix_excuses_student_number_requested_at", "student_number", "requested_at"),
    )

    excuse_id: Mapped[UUID] = mapped_column(Uuid(), primary_key=True)
    attendance_id: Mapped[UUID] = mapped_column(Uuid(), ForeignKey("attendances.attendance_id"))
    student_number: Mapped[str] = mapped_column(String(32), ForeignKey("users.user_number"))
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(1000))
    requested_at: Mapped[datetime]
    record_status: Mapped[str | None] = mapped_column(String(16))
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_type: Mapped[str | None] = mapped_column(String(64))
    file_size: Mapped[int | None] = mapped_column(Integer)
    file_storage: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(String(500))


class ExcuseFile(Base):
    """The bytes of an excuse's file kept in the database, read only by a download."""

    __tablename__ = "excuse_files"

    excuse_id: Mapped[UUID] = mapped_column(
        Uuid(), ForeignKey("excuses.excuse_id"), primary_key=True
    )
    content: Mapped[bytes] = mapped_column(LargeBinary())


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


USERS = _table(User)
ATTENDANCES = _table(Attendance)
RECORDS = _table(AttendanceRecord)
AUDIT_LOG = _table(AuditLog)
COURSES = _table(Course)
COURSE_TEACHERS = _table(CourseTeacher)
ENROLMENTS = _table(Enrolment)
EXCUSES = _table(Excuse)
EXCUSE_FILES = _table(ExcuseFile)


SOFT_DELETION = ("deleted_at", "deletion_reason")
"""Set only by a deletion, and never undone by a later write of the same row."""


def _column_names(table: Table, *, leaving_out: tuple[str, ...] = ()) -> tuple[str, ...]:
    """``table``'s column names in declared order, but those in ``leaving_out``."""
    return tuple(column.name for column in table.columns if column.name not in leaving_out)


ATTENDANCE_CONTENT = _column_names(
    ATTENDANCES, leaving_out=("attendance_id", "created_at", "persisted_at", *SOFT_DELETION)
)
"""What an attendance upsert compares and overwrites: all but the key, the creation time,
``persisted_at`` (written only along with a real change) and the soft deletion."""

RECORD_KEY = tuple(column.name for column in RECORDS.primary_key.columns)
"""``(attendance_id, student_number)``."""

RECORD_COLUMNS = _column_names(RECORDS, leaving_out=SOFT_DELETION)
"""The ``attendance_records`` columns persistence writes, the key first, in the order of
:data:`~attn.db.sql.rows.RecordValues`: every column but the soft deletion."""

RECORD_CONTENT = RECORD_COLUMNS[len(RECORD_KEY) :]
"""What a record upsert compares and overwrites: every written column but the key."""
