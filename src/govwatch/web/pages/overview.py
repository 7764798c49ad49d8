"""Dashboard pages: overview (总览, ``/``) (docs/web.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from govwatch.web.auth import User, page_user
from govwatch.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, _user: Annotated[User, Depends(page_user)]) -> Response:
    """Placeholder until the overview page lands."""
    return render(request, "error.html.j2", {"status": 200, "heading": "govwatch", "message": "仪表盘页面尚未安装。"})
