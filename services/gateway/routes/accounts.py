"""Accounts: the registration page, register, login, token refresh, logout and log out
everywhere (AuthService). Login and registration name the real client address to the auth
service, for its limits: the socket peer, or what trusted proxies say (`X-Forwarded-For`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from services.gateway.deps import CallerDep, ClientsDep, SettingsDep
from services.gateway.pages import render_page
from services.gateway.responses import (
    AUTHENTICATED,
    PUBLIC,
    LoggedIn,
    LoggedOutEverywhere,
    Registered,
    Said,
    Tokens,
    errors,
)
from services.gateway.schemas import LoginBody, RefreshBody, RegisterBody
from visionflow.clientaddr import forwarded_client
from visionflow.v1 import auth_pb2

router = APIRouter(tags=["accounts"])


@router.get("/register", response_class=HTMLResponse, summary="Registration page")
async def register_page(request: Request) -> HTMLResponse:
    return render_page(request, "register.html")


def client_address(request: Request, settings: SettingsDep) -> str:
    """The end client's address (the socket peer unless that is a trusted proxy)."""
    peer = request.client.host if request.client else ""
    return forwarded_client(peer, request.headers.get("x-forwarded-for"), settings.trusted_proxies)


@router.post(
    "/register",
    status_code=201,
    summary="Create an account",
    response_model=Registered,
    responses=errors(*PUBLIC),
)
async def register(
    body: RegisterBody, request: Request, clients: ClientsDep, settings: SettingsDep
) -> JSONResponse:
    reply = await clients.rpc(
        clients.auth.Register,
        auth_pb2.RegisterRequest(
            username=body.username,
            email=body.email,
            password=body.password,
            client_address=client_address(request, settings),
        ),
    )
    return JSONResponse(
        {"message": "User registered successfully", "account_uuid": reply.account_uuid, "status": "success"},
        status_code=201,
    )


@router.post(
    "/login",
    summary="Log in; returns an access and a refresh token",
    response_model=LoggedIn,
    responses=errors(401, *PUBLIC),
)
async def login(
    body: LoginBody, request: Request, clients: ClientsDep, settings: SettingsDep
) -> dict[str, Any]:
    reply = await clients.rpc(
        clients.auth.Login,
        auth_pb2.LoginRequest(
            username=body.username, password=body.password, client_address=client_address(request, settings)
        ),
    )
    return {
        "status": "success",
        "message": "Login successful",
        "account_uuid": reply.account_uuid,
        "access_token": reply.access_token,
        "refresh_token": reply.refresh_token,
        "token_type": "Bearer",
        "expires_in": reply.access_expires_in,
    }


@router.post(
    "/token/refresh",
    summary="Exchange a refresh token for new tokens (rotation)",
    response_model=Tokens,
    responses=errors(401, *PUBLIC),
)
async def refresh(body: RefreshBody, clients: ClientsDep) -> dict[str, Any]:
    reply = await clients.rpc(clients.auth.Refresh, auth_pb2.RefreshRequest(refresh_token=body.refresh_token))
    return {
        "status": "success",
        "access_token": reply.access_token,
        "refresh_token": reply.refresh_token,
        "token_type": "Bearer",
        "expires_in": reply.access_expires_in,
    }


@router.post(
    "/logout",
    summary="Revoke a refresh token and its rotations",
    response_model=Said,
    responses=errors(401, *PUBLIC),
)
async def logout(body: RefreshBody, clients: ClientsDep) -> dict[str, Any]:
    await clients.rpc(clients.auth.Logout, auth_pb2.LogoutRequest(refresh_token=body.refresh_token))
    return {"status": "success", "message": "Logged out"}


@router.post(
    "/logout_all",
    summary="Log out everywhere: end every session of the account",
    response_model=LoggedOutEverywhere,
    responses=errors(*AUTHENTICATED),
)
async def logout_all(caller: CallerDep, clients: ClientsDep) -> dict[str, Any]:
    reply = await clients.rpc(clients.auth.LogoutAll, auth_pb2.LogoutAllRequest(), token=caller.token)
    return {
        "status": "success",
        "message": "Logged out everywhere",
        "data": {"sessions_ended": reply.sessions_ended},
    }
