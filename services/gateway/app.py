"""The FastAPI application: `create_app(settings, clients)` and the lifespan that opens connections.

With `clients` given (tests), the app uses them as they are; otherwise the lifespan opens a gRPC
channel per service and the NATS connection, and closes them on shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from services.gateway.clients import Clients, open_clients
from services.gateway.config import GatewaySettings
from services.gateway.errors import install_error_handlers
from services.gateway.middleware import AccessLog, BodySizeLimit, SecurityHeaders
from services.gateway.pages import STATIC_DIR
from services.gateway.routes import ROUTERS, docs
from visionflow.links import ImageLinkSigner, link_key_path, load_or_create_link_key

DESCRIPTION = (
    "VisionFlow's public REST API. Send `Authorization: Bearer <access_token>` from `POST /login`; "
    "errors are `{status: 'error', message, error_code}`."
)


def create_app(settings: GatewaySettings, clients: Clients | None = None) -> FastAPI:
    """Build the gateway app; connections open in its lifespan unless `clients` is given."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # A missing or unreadable link key stops the gateway at start, not on some later request.
        key = await asyncio.to_thread(load_or_create_link_key, link_key_path(settings))
        app.state.link_signer = ImageLinkSigner(key)
        opened = clients if clients is not None else await open_clients(settings)
        app.state.clients = opened
        try:
            yield
        finally:
            if clients is None:
                await opened.close()

    app = FastAPI(
        title="VisionFlow",
        version="1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # routes/docs.py serves Swagger UI from the installed package
        redoc_url=None,
    )
    app.state.settings = settings
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(docs.router)
    app.mount(docs.SWAGGER_MOUNT, StaticFiles(directory=docs.SWAGGER_DIR), name="swagger-ui")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if settings.cors_origin_list:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog)
    return app
