"""Courses, their teachers and rosters; an attendance may belong to a course.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 00:00:00+00:00

``courses`` (code unique, name, term, the report settings in whole percentages: a late
arrival's weight, default 100, and the attendance-rate threshold, default 70),
``course_teachers`` (who manages a course's roster) and ``enrolments``: one row per stay of
a student on a roster, ``enrolled_at`` until ``left_at`` (NULL while enrolled), so the
roster at an attendance's finish time can be read whenever the persistence job runs. A
partial unique index allows one open stay per student and course.
``attendances.course_id`` (NULL: an ad-hoc attendance, as every existing one stays) and its
index serve a course's attendances in time order. The record statuses ``absent`` and
``excused`` exist since 0001, so the status check is unchanged.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
OPEN_STAY = sa.text("left_at IS NULL")


def upgrade() -> None:
    _create_courses()
    _create_course_teachers()
    _create_enrolments()
    _add_attendance_course()


def _create_courses() -> None:
    op.create_table(
        "courses",
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("term", sa.String(32), nullable=False),
        sa.Column("late_weight_percent", sa.Integer(), server_default="100", nullable=False),
        sa.Column("threshold_percent", sa.Integer(), server_default="70", nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "late_weight_percent BETWEEN 0 AND 100",
            name=op.f("ck_courses_late_weight_percent"),
        ),
        sa.CheckConstraint(
            "threshold_percent BETWEEN 0 AND 100", name=op.f("ck_courses_threshold_percent")
        ),
        sa.PrimaryKeyConstraint("course_id", name=op.f("pk_courses")),
        sa.UniqueConstraint("code", name=op.f("uq_courses_code")),
    )
    op.create_index(op.f("ix_courses_term"), "courses", ["term"])


def _create_course_teachers() -> None:
    op.create_table(
        "course_teachers",
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("teacher_number", sa.String(32), nullable=False),
        sa.Column("added_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.course_id"], name=op.f("fk_course_teachers_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["teacher_number"],
            ["users.user_number"],
            name=op.f("fk_course_teachers_teacher_number_users"),
        ),
        sa.PrimaryKeyConstraint("course_id", "teacher_number", name=op.f("pk_course_teachers")),
    )
    op.create_index(
        op.f("ix_course_teachers_teacher_number"), "course_teachers", ["teacher_number"]
    )


def _create_enrolments() -> None:
    op.create_table(
        "enrolments",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("student_number", sa.String(32), nullable=False),
        sa.Column("enrolled_at", TIMESTAMP, nullable=False),
        sa.Column("left_at", TIMESTAMP, nullable=True),
        sa.CheckConstraint(
            "left_at IS NULL OR left_at >= enrolled_at", name=op.f("ck_enrolments_stay")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.course_id"], name=op.f("fk_enrolments_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["student_number"],
            ["users.user_number"],
            name=op.f("fk_enrolments_student_number_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolments")),
    )
    op.create_index(
        op.f("ix_enrolments_current"),
        "enrolments",
        ["course_id", "student_number"],
        unique=True,
        sqlite_where=OPEN_STAY,
        postgresql_where=OPEN_STAY,
    )
    op.create_index(
        op.f("ix_enrolments_course_id_enrolled_at"), "enrolments", ["course_id", "enrolled_at"]
    )
    op.create_index(op.f("ix_enrolments_student_number"), "enrolments", ["student_number"])


def _add_attendance_course() -> None:
    # Not a batch: SQLite would copy ``attendances`` and drop the original, which the
    # records' foreign key forbids. Its ADD COLUMN takes a named REFERENCES clause (with a
    # NULL default no existing row is checked), which Alembic does not emit there.
    fk_name = op.f("fk_attendances_course_id_courses")
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE attendances ADD COLUMN course_id CHAR(32) "
            f"CONSTRAINT {fk_name} REFERENCES courses (course_id)"
        )
    else:
        op.add_column("attendances", sa.Column("course_id", sa.Uuid(), nullable=True))
        op.create_foreign_key(fk_name, "attendances", "courses", ["course_id"], ["course_id"])
    op.create_index(
        op.f("ix_attendances_course_id_starts_at"), "attendances", ["course_id", "starts_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_attendances_course_id_starts_at"), table_name="attendances")
    # Not a batch either (see above): SQLite's native DROP COLUMN (3.35+) keeps the table
    # and its REFERENCES clause goes with the column; PostgreSQL drops the constraint too.
    op.drop_column("attendances", "course_id")
    op.drop_table("enrolments")
    op.drop_table("course_teachers")
    op.drop_table("courses")
