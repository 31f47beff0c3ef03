"""The versioned API: every resource router under ``/api/v1`` (docs/design.md#http-api)."""

from __future__ import annotations

from fastapi import APIRouter

from attn.api import (
    attendances,
    audit,
    auth,
    classroom,
    courses,
    excuses,
    live,
    me,
    reports,
    users,
    verification,
)
from attn.api.checkin import route as checkin
from attn.api.checkin import scan

router = APIRouter(prefix="/api/v1")
# The check-in first: FastAPI tries routes in order, and it is the route a lecture hall
# sends all at once. The prefixes do not overlap.
router.include_router(checkin.router, prefix="/attendances")
router.include_router(scan.router, prefix="/attendances")
router.include_router(attendances.router, prefix="/attendances")
router.include_router(auth.router, prefix="/auth")
router.include_router(users.router, prefix="/users")
router.include_router(audit.router, prefix="/audit")
router.include_router(courses.router, prefix="/courses")
router.include_router(reports.router)
router.include_router(excuses.router)
router.include_router(classroom.router, prefix="/attendances")
router.include_router(live.router, prefix="/attendances")
router.include_router(me.router, prefix="/me")
router.include_router(verification.router, prefix="/verification")
