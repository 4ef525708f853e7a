"""One router per domain; `ROUTERS` is the order they are mounted in."""

from __future__ import annotations

from fastapi import APIRouter

from services.gateway.routes import (
    accounts,
    cameras,
    email,
    home,
    images,
    line,
    media,
    notifications,
    pages_app,
    regions,
    shares,
)

ROUTERS: tuple[APIRouter, ...] = (
    home.router,
    accounts.router,
    pages_app.router,
    cameras.router,
    shares.router,
    regions.router,
    notifications.router,
    email.router,
    line.router,
    media.router,
    images.router,
)
