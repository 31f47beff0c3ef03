"""The teacher's pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from attn.models import Role, UserRedis
from attn.web.context import viewer_with_role
from attn.web.templating import render

router = APIRouter(include_in_schema=False)
TeacherViewer = Annotated[UserRedis, Depends(viewer_with_role(Role.TEACHER))]


@router.get("/teacher", response_class=HTMLResponse)
async def home(request: Request, viewer: TeacherViewer) -> Response:
    return render(request, "teacher/home.html")
