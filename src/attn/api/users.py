"""/api/v1 users endpoints."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["users"])
