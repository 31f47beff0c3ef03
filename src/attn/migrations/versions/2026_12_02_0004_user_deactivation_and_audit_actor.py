"""Accounts can be deactivated; the audit log is read by actor.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 00:00:00+00:00

``users.deactivated_at`` is set when an admin deactivates an account (NULL: active): the
user can no longer log in, and every record, attendance and audit entry naming them stays.
``ix_audit_log_actor_at`` serves the admin's audit log filtered by who acted, newest first
(the other filters, attendance, student and time, have their indexes since 0001).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_audit_log_actor_at"), "audit_log", ["actor", "at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_log_actor_at"), table_name="audit_log")
    # Not a batch: SQLite would copy ``users`` and drop the original, which the foreign keys
    # of attendances and records forbid; its native DROP COLUMN (3.35+) keeps the table.
    op.drop_column("users", "deactivated_at")
