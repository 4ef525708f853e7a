"""HTML pages: Jinja2 templates in templates/, static scripts and styles in static/.

Every visible string comes from the message catalogues in static/i18n/<language>.json; the pages
translate themselves in the browser (static/i18n.js), which gets them as one script.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
CATALOGUE_DIR = STATIC_DIR / "i18n"
LANGUAGES = ("en", "zh-TW")
# Pages load only their own scripts and styles; inline scripts are not needed anywhere.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    return Jinja2Templates(directory=str(TEMPLATES_DIR))


def render_page(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    response = templates().TemplateResponse(request, name, context or {}, status_code=status_code)
    response.headers.update(PAGE_HEADERS)
    return response


def catalogue(language: str) -> dict[str, str]:
    """The messages of one language: key -> text with `{name}` placeholders."""
    messages: dict[str, str] = json.loads((CATALOGUE_DIR / f"{language}.json").read_text(encoding="utf-8"))
    return messages


@lru_cache(maxsize=1)
def messages_script() -> str:
    """Both catalogues as `window.VF_MESSAGES = {...};` (read once; the files ship with the code)."""
    every = {language: catalogue(language) for language in LANGUAGES}
    body = json.dumps(every, ensure_ascii=False, sort_keys=True)
    return f"window.VF_MESSAGES = {body};\n"
