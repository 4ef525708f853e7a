"""Browser pages for signed-in use: the login form and the cameras/notifications dashboard.

Both pages are static shells; their scripts call the JSON API with the token kept in localStorage.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.gateway.pages import render_page

router = APIRouter(tags=["pages"])


@router.get("/login", response_class=HTMLResponse, summary="Login page")
async def login_page(request: Request) -> HTMLResponse:
    return render_page(request, "login.html")


@router.get("/dashboard", response_class=HTMLResponse, summary="Cameras and recent notifications")
async def dashboard_page(request: Request) -> HTMLResponse:
    return render_page(request, "dashboard.html")
