"""The admin's pages under ``/admin``: the user directory (:mod:`.users` to list and
create, :mod:`.account` for one user's changes), the CSV import with its preview
(:mod:`.imports`) and the audit log (:mod:`.audit`). Each handler calls the same service as
the JSON API (``api/users.py``, ``api/audit.py``)."""

from __future__ import annotations

from fastapi import APIRouter

from attn.web.admin import account, audit, home, imports, users

router = APIRouter(include_in_schema=False)
for area in (home, users, account, imports, audit):
    router.include_router(area.router)

__all__ = ["router"]
