"""Initial schema: users, attendances, attendance_records, audit_log.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 00:00:00+00:00

Written out by hand (not generated at run time) so that it never changes once released.
Column types are spelled out here instead of imported from the models for the same reason;
``op.f`` marks every name as final so the naming convention does not prefix it twice.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    _create_users()
    _create_attendances()
    _create_attendance_records()
    _create_audit_log()


def _create_users() -> None:
    op.create_table(
        "users",
        sa.Column("user_number", sa.String(32), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("role IN ('student', 'teacher', 'admin')", name=op.f("ck_users_role")),
        sa.PrimaryKeyConstraint("user_number", name=op.f("pk_users")),
    )
    op.create_index(op.f("ix_users_role"), "users", ["role"])


def _create_attendances() -> None:
    op.create_table(
        "attendances",
        sa.Column("attendance_id", sa.Uuid(), nullable=False),
        sa.Column("lesson_name", sa.String(200), nullable=False),
        sa.Column("lesson_key", sa.String(200), nullable=False),
        sa.Column("teacher_number", sa.String(32), nullable=False),
        sa.Column("starts_at", TIMESTAMP, nullable=False),
        sa.Column("ends_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("late_after_minutes", sa.Integer(), nullable=True),
        sa.Column("settings", JSON_DOCUMENT, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("persisted_at", TIMESTAMP, nullable=True),
        sa.Column("deleted_at", TIMESTAMP, nullable=True),
        sa.Column("deletion_reason", sa.String(500), nullable=True),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_attendances_window")),
        sa.CheckConstraint(
            "late_after_minutes >= 0", name=op.f("ck_attendances_late_after_minutes")
        ),
        sa.ForeignKeyConstraint(
            ["teacher_number"],
            ["users.user_number"],
            name=op.f("fk_attendances_teacher_number_users"),
        ),
        sa.PrimaryKeyConstraint("attendance_id", name=op.f("pk_attendances")),
    )
    op.create_index(
        op.f("ix_attendances_teacher_number_starts_at"),
        "attendances",
        ["teacher_number", "starts_at"],
    )
    op.create_index(op.f("ix_attendances_starts_at"), "attendances", ["starts_at"])
    op.create_index(op.f("ix_attendances_lesson_key"), "attendances", ["lesson_key"])


def _create_attendance_records() -> None:
    op.create_table(
        "attendance_records",
        sa.Column("attendance_id", sa.Uuid(), nullable=False),
        sa.Column("student_number", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("checked_in_at", TIMESTAMP, nullable=False),
        sa.Column("fail_reason", sa.String(64), nullable=True),
        sa.Column("decided_by", sa.String(32), nullable=False),
        sa.Column("client_ip", sa.String(45), nullable=True),
        sa.Column("device_id", sa.String(128), nullable=True),
        sa.Column("attempt_count", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("deleted_at", TIMESTAMP, nullable=True),
        sa.Column("deletion_reason", sa.String(500), nullable=True),
        sa.CheckConstraint(
            "status IN ('present', 'late', 'pending', 'rejected', 'excused', 'absent')",
            name=op.f("ck_attendance_records_status"),
        ),
        sa.CheckConstraint("attempt_count >= 0", name=op.f("ck_attendance_records_attempt_count")),
        sa.ForeignKeyConstraint(
            ["attendance_id"],
            ["attendances.attendance_id"],
            name=op.f("fk_attendance_records_attendance_id_attendances"),
        ),
        sa.ForeignKeyConstraint(
            ["student_number"],
            ["users.user_number"],
            name=op.f("fk_attendance_records_student_number_users"),
        ),
        sa.PrimaryKeyConstraint(
            "attendance_id", "student_number", name=op.f("pk_attendance_records")
        ),
    )
    op.create_index(
        op.f("ix_attendance_records_student_number"), "attendance_records", ["student_number"]
    )


def _create_audit_log() -> None:
    op.create_table(
        "audit_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.String(32), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("attendance_id", sa.Uuid(), nullable=True),
        sa.Column("student_number", sa.String(32), nullable=True),
        sa.Column("details", JSON_DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_index(op.f("ix_audit_log_attendance_id"), "audit_log", ["attendance_id"])
    op.create_index(op.f("ix_audit_log_student_number"), "audit_log", ["student_number"])


def downgrade() -> None:
    op.drop_table("audit_log")  # drops its indexes with it, on both backends
    op.drop_table("attendance_records")
    op.drop_table("attendances")
    op.drop_table("users")
