"""Request dependencies: the clients, and the caller from a verified bearer token.

`CallerDep` takes the token from `Authorization: Bearer` only; `BrowserCallerDep` also accepts
`?token=` (for `<img>` tags and plain links on the browser-facing routes). `BrowserTokenDep` is the
same token, unverified and optional, for routes that also accept a signed link (`/showimage`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request, Security
from fastapi.security import APIKeyQuery, HTTPBearer

from services.gateway.clients import Clients
from services.gateway.config import GatewaySettings
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.links import ImageLinkSigner
from visionflow.tokens import Principal

INT64_MAX = 2**63 - 1
MAX_TOKEN_CHARS = 4096
# Declared for the OpenAPI page (/docs "Authorize"); the checks below do the real parsing.
_BEARER_DOC = HTTPBearer(auto_error=False, description="Access token from POST /login")
_QUERY_TOKEN_DOC = APIKeyQuery(name="token", auto_error=False, description="Access token (browser routes)")


@dataclass(frozen=True)
class Caller:
    """A verified caller: the token to forward to services and who it names."""

    token: str
    principal: Principal

    @property
    def account_uuid(self) -> str:
        return self.principal.account_uuid


def get_clients(request: Request) -> Clients:
    clients: Clients = request.app.state.clients
    return clients


ClientsDep = Annotated[Clients, Depends(get_clients)]


def get_settings(request: Request) -> GatewaySettings:
    settings: GatewaySettings = request.app.state.settings
    return settings


SettingsDep = Annotated[GatewaySettings, Depends(get_settings)]


def _bearer_from_header(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise VisionFlowError(ErrorCode.AUTH_REQUIRED, "Authorization header must be 'Bearer <token>'")
    return token


async def verify_caller(clients: Clients, token: str) -> Caller:
    """The caller a bearer token names; INVALID_TOKEN when the token does not verify."""
    if len(token) > MAX_TOKEN_CHARS:
        raise VisionFlowError(ErrorCode.INVALID_TOKEN, "Invalid token")
    principal = await clients.verifier.verify(token)
    clients.sessions.check(principal)  # logged out (Logout / LogoutAll) before it expired
    return Caller(token=token, principal=principal)


async def require_caller(
    request: Request, clients: ClientsDep, _doc: Annotated[object, Security(_BEARER_DOC)] = None
) -> Caller:
    token = _bearer_from_header(request)
    if token is None:
        raise VisionFlowError(ErrorCode.AUTH_REQUIRED, "Authorization token is required")
    return await verify_caller(clients, token)


async def browser_token(
    request: Request,
    _doc: Annotated[object, Security(_BEARER_DOC)] = None,
    _query_doc: Annotated[object, Security(_QUERY_TOKEN_DOC)] = None,
) -> str | None:
    """The bearer token from the header or `?token=`, not yet verified; None when neither is given."""
    token = _bearer_from_header(request)
    if token is None:
        token = (request.query_params.get("token") or "").strip() or None
    return token


BrowserTokenDep = Annotated[str | None, Depends(browser_token)]


async def require_browser_caller(clients: ClientsDep, token: BrowserTokenDep) -> Caller:
    if token is None:
        raise VisionFlowError(ErrorCode.AUTH_REQUIRED, "Authorization token is required")
    return await verify_caller(clients, token)


def get_link_signer(request: Request) -> ImageLinkSigner:
    """The signer of image links (key file shared with the notifier, loaded in the lifespan)."""
    signer: ImageLinkSigner = request.app.state.link_signer
    return signer


CallerDep = Annotated[Caller, Depends(require_caller)]
BrowserCallerDep = Annotated[Caller, Depends(require_browser_caller)]

# Path ids: positive and within int64, so they always fit the protobuf fields.
CameraId = Annotated[int, Path(ge=1, le=INT64_MAX, description="Camera id")]
ResourceId = Annotated[int, Path(ge=1, le=INT64_MAX, description="Resource id")]
