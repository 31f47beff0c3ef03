"""/api/v1 auth endpoints."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["auth"])
