"""Audit entries carry their own id; records keep the reason of the last decision.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 00:00:00+00:00

``audit_log.entry_id`` (unique) lets the persistence job move the audit entries of a live
attendance from Redis into the database idempotently: a job that crashed after its commit
writes them again as no-ops. Rows from before this revision keep NULL there.
``attendance_records.decision_reason`` is the reason a teacher gave with the last decision.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("entry_id", sa.Uuid(), nullable=True))
    op.create_index(op.f("ix_audit_log_entry_id"), "audit_log", ["entry_id"], unique=True)
    with op.batch_alter_table("attendance_records") as batch:
        batch.add_column(sa.Column("decision_reason", sa.String(500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attendance_records") as batch:
        batch.drop_column("decision_reason")
    op.drop_index(op.f("ix_audit_log_entry_id"), table_name="audit_log")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("entry_id")
