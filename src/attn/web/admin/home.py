"""The admin's home: where each of their pages is."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from attn.web.admin.common import AdminViewer
from attn.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/admin", response_class=HTMLResponse)
async def home(request: Request, viewer: AdminViewer) -> Response:
    return render(request, "admin/home.html", {"section": "home"})
