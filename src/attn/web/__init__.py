"""The server-rendered web UI: pages that call the same services as the JSON API.

One module per area (everyone's :mod:`auth` pages, the :mod:`teacher`'s (with the
live list, :mod:`live_list` and :mod:`live_actions`, and the :mod:`projector`), the
:mod:`student`'s, the :mod:`admin`'s, the check-in page in :mod:`pages`, its form's post in
:mod:`check_in_form`), templates per area, versioned static files (:mod:`assets`), catalogs
in ``locale/`` (:mod:`i18n`).
"""

from __future__ import annotations

from fastapi import APIRouter

from attn.web import (
    admin,
    assets,
    auth,
    check_in_form,
    courses,
    excuse_student,
    live_actions,
    live_list,
    pages,
    projector,
    reports,
    student,
    teacher,
)

router = APIRouter(include_in_schema=False)
AREAS = (
    assets,
    auth,
    pages,
    check_in_form,
    teacher,
    live_list,
    live_actions,
    projector,
    student,
    reports,
    excuse_student,
    admin,
    courses,
)
for area in AREAS:
    router.include_router(area.router)

__all__ = ["router"]
