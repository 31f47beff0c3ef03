"""The course pages: the admin's list of courses and the form creating one
(:mod:`.catalogue`), a teacher's "my courses" (:mod:`.catalogue`), one course's page with its
roster, teachers and the add and remove forms (:mod:`.course`), and the roster's CSV import
with a preview (:mod:`.imports`). Each handler calls the same service as ``api/courses.py``.
"""

from __future__ import annotations

from fastapi import APIRouter

from attn.web.courses import catalogue, course, imports

router = APIRouter(include_in_schema=False)
for area in (catalogue, course, imports):
    router.include_router(area.router)

__all__ = ["router"]
