"""Browser pages: log-in, and the signed-in pages (dashboard, camera, notifications, alert
targets, account) with the message catalogues they are written in.

The signed-in pages are static shells; their scripts call the JSON API with the token kept in
localStorage, so these routes need no token and read nothing. `GET /cameras/<id>` is the camera's
page (the API has no JSON route there: a camera's data is in `GET /cameras`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.gateway.deps import CameraId
from services.gateway.pages import PAGE_HEADERS, messages_script, render_page

router = APIRouter(tags=["pages"])


@router.get("/i18n/messages.js", include_in_schema=False)
async def messages() -> Response:
    headers = {**PAGE_HEADERS, "Cache-Control": "no-cache"}
    return Response(messages_script(), media_type="text/javascript; charset=utf-8", headers=headers)


@router.get("/login", response_class=HTMLResponse, summary="Login page")
async def login_page(request: Request) -> HTMLResponse:
    return render_page(request, "login.html")


@router.get("/dashboard", response_class=HTMLResponse, summary="Live grid of cameras, recent notifications")
async def dashboard_page(request: Request) -> HTMLResponse:
    return render_page(request, "dashboard.html", {"active": "dashboard"})


@router.get("/cameras/{camera_id}", response_class=HTMLResponse, summary="A camera's page (HTML)")
async def camera_page(request: Request, camera_id: CameraId) -> HTMLResponse:
    return render_page(request, "camera.html", {"active": "dashboard", "camera_id": camera_id})


@router.get("/inbox", response_class=HTMLResponse, summary="Notifications page")
async def inbox_page(request: Request) -> HTMLResponse:
    return render_page(request, "inbox.html", {"active": "inbox"})


@router.get("/alert_targets", response_class=HTMLResponse, summary="Email and LINE targets page")
async def alert_targets_page(request: Request) -> HTMLResponse:
    return render_page(request, "alert_targets.html", {"active": "alert_targets"})


@router.get("/account", response_class=HTMLResponse, summary="Account page")
async def account_page(request: Request) -> HTMLResponse:
    return render_page(request, "account.html", {"active": "account"})
