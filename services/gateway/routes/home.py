"""The landing page and a liveness probe."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.gateway.pages import render_page
from services.gateway.responses import Success

router = APIRouter(tags=["home"])


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def landing(request: Request) -> HTMLResponse:
    return render_page(request, "index.html")


@router.get("/healthz", summary="Liveness of the gateway process", response_model=Success)
async def healthz() -> dict[str, Any]:
    return {"status": "success"}
