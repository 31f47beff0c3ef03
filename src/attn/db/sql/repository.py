"""The SQL data layer in one import: ``from attn.db.sql import repository as repo``.

Every function takes the caller's :class:`~sqlalchemy.ext.asyncio.AsyncSession` and never
commits: the request or the persistence job owns the transaction (docs/design.md#transactions).
"""

from attn.db.sql.attendance_repo import (
    count_records,
    get_attendance,
    get_record,
    list_attendances,
    list_records,
    list_student_records,
    recent_lesson_names,
    soft_delete_attendance,
    soft_delete_record,
    upsert_attendance,
    upsert_records,
)
from attn.db.sql.audit_repo import add_audit, audit_page, list_audit
from attn.db.sql.rows import NewUserRow
from attn.db.sql.users_repo import (
    create_user,
    create_users,
    get_user,
    get_users,
    insert_missing_users,
    list_users,
    set_deactivated,
    set_password_hash,
    update_user,
)

__all__ = [
    "NewUserRow",
    "add_audit",
    "audit_page",
    "count_records",
    "create_user",
    "create_users",
    "get_attendance",
    "get_record",
    "get_user",
    "get_users",
    "insert_missing_users",
    "list_attendances",
    "list_audit",
    "list_records",
    "list_student_records",
    "list_users",
    "recent_lesson_names",
    "set_deactivated",
    "set_password_hash",
    "soft_delete_attendance",
    "soft_delete_record",
    "update_user",
    "upsert_attendance",
    "upsert_records",
]
