"""`/docs`: Swagger UI served from the installed swagger-ui-bundle-v2 package, not a CDN,
so the API explorer works on machines without internet access."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

SWAGGER_DIR = Path(swagger_ui_bundle.swagger_ui_path)
SWAGGER_MOUNT = "/static/swagger-ui"

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
async def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="VisionFlow API",
        swagger_js_url=f"{SWAGGER_MOUNT}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER_MOUNT}/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )
