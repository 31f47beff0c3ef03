"""The teacher's pages, one module per page: :mod:`home` (live attendances, the start
form, the history), :mod:`attendance` (one attendance: past or live, its export),
:mod:`records` (one record: correct, delete), :mod:`deletion` (delete an attendance),
:mod:`excuses` (answer an excuse request).
Form reading lives beside them (:mod:`start_form`, :mod:`history_form`)."""

from __future__ import annotations

from fastapi import APIRouter

from attn.web.teacher import attendance, deletion, excuses, home, records

router = APIRouter(include_in_schema=False)
for page in (home, attendance, deletion, records, excuses):
    router.include_router(page.router)

__all__ = ["router"]
