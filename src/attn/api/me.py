"""/api/v1 me endpoints."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["me"])
