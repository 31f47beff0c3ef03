"""Excuse requests: a student asks to be excused for a stored attendance they missed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 00:00:00+00:00

``excuses``: one request per row (``requested``, then ``approved`` or ``declined`` with who
decided, when and why), with the attached file's name, type, size and where its bytes are
(``database`` or ``folder``) but never the bytes themselves, so listing requests reads no
file. A partial unique index allows one open (``requested``) request per student and
attendance. ``excuse_files`` holds the bytes of the files kept in the database, one row per
excuse, read only when the file is downloaded.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
OPEN_REQUEST = sa.text("status = 'requested'")


def upgrade() -> None:
    _create_excuses()
    _create_excuse_files()


def _excuse_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("excuse_id", sa.Uuid(), nullable=False),
        sa.Column("attendance_id", sa.Uuid(), nullable=False),
        sa.Column("student_number", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.String(1000), nullable=False),
        sa.Column("requested_at", TIMESTAMP, nullable=False),
        sa.Column("record_status", sa.String(16), nullable=True),
        sa.Column("file_name", sa.String(200), nullable=True),
        sa.Column("file_type", sa.String(64), nullable=True),
        sa.Column("file_size", sa.Integer(), nullable=True),
        sa.Column("file_storage", sa.String(16), nullable=True),
        sa.Column("decided_by", sa.String(32), nullable=True),
        sa.Column("decided_at", TIMESTAMP, nullable=True),
        sa.Column("decision_reason", sa.String(500), nullable=True),
    ]


def _create_excuses() -> None:
    op.create_table(
        "excuses",
        *_excuse_columns(),
        sa.CheckConstraint(
            "status IN ('requested', 'approved', 'declined')", name=op.f("ck_excuses_status")
        ),
        sa.CheckConstraint(
            "file_storage IS NULL OR file_storage IN ('database', 'folder')",
            name=op.f("ck_excuses_file_storage"),
        ),
        sa.ForeignKeyConstraint(
            ["attendance_id"],
            ["attendances.attendance_id"],
            name=op.f("fk_excuses_attendance_id_attendances"),
        ),
        sa.ForeignKeyConstraint(
            ["student_number"],
            ["users.user_number"],
            name=op.f("fk_excuses_student_number_users"),
        ),
        sa.PrimaryKeyConstraint("excuse_id", name=op.f("pk_excuses")),
    )
    op.create_index(
        op.f("ix_excuses_open"),
        "excuses",
        ["attendance_id", "student_number"],
        unique=True,
        sqlite_where=OPEN_REQUEST,
        postgresql_where=OPEN_REQUEST,
    )
    op.create_index(op.f("ix_excuses_attendance_id"), "excuses", ["attendance_id"])
    op.create_index(
        op.f("ix_excuses_student_number_requested_at"),
        "excuses",
        ["student_number", "requested_at"],
    )


def _create_excuse_files() -> None:
    op.create_table(
        "excuse_files",
        sa.Column("excuse_id", sa.Uuid(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["excuse_id"], ["excuses.excuse_id"], name=op.f("fk_excuse_files_excuse_id_excuses")
        ),
        sa.PrimaryKeyConstraint("excuse_id", name=op.f("pk_excuse_files")),
    )


def downgrade() -> None:
    op.drop_table("excuse_files")
    op.drop_table("excuses")
