"""`/showimage/<path>`: the caller's own images from the JetStream object store, and the pictures
of notifications shared with the caller (the notifier says which: AuthorizeImage), nothing else.

Keys look like `<account_uuid>/...`. Anything outside the caller's prefix, any `..`, absolute
path, backslash, empty segment or unknown extension is "not found", like a missing image.

The caller is the owner's token (header or `?token=`), or a signed link from the notifier
(`?exp=<unix>&sig=<hmac>`, visionflow/links.py) that opens exactly one key until it expires; a
bad, expired or foreign signature is "not found" too.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from nats.errors import Error as NatsError
from nats.js.errors import InvalidObjectNameError, NotFoundError

from services.gateway.clients import Clients
from services.gateway.deps import BrowserTokenDep, ClientsDep, get_link_signer, verify_caller
from services.gateway.responses import AUTHENTICATED, errors
from visionflow import subjects
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.snapshots import IMAGE_TYPES, checked_key
from visionflow.v1 import notifier_pb2

log = logging.getLogger(__name__)
router = APIRouter(tags=["images"])

MAX_EXP_DIGITS = 12
MAX_SIG_CHARS = 64
NOT_FOUND = "Image not found"
STORE_TIMEOUT_S = 10.0


def _not_found() -> VisionFlowError:
    return VisionFlowError(ErrorCode.RESOURCE_NOT_FOUND, NOT_FOUND)


def image_key(account_uuid: str, path: str) -> tuple[str, str]:
    """The object key and Content-Type for `path`, or RESOURCE_NOT_FOUND when not allowed."""
    checked = checked_key(account_uuid, path)
    if checked is None:
        raise _not_found()
    return checked


async def _signed_owner(request: Request, path: str, exp: str, sig: str) -> str | None:
    """The account whose key a valid signed link opens, or None when the signature does not hold."""
    if not exp.isascii() or not exp.isdigit() or len(exp) > MAX_EXP_DIGITS or len(sig) > MAX_SIG_CHARS:
        return None
    signer = get_link_signer(request)
    if not signer.verify(path, int(exp), sig):
        return None
    return path.partition("/")[0]


async def _owner(
    request: Request, path: str, *, token: str | None, exp: str | None, sig: str | None, clients: Clients
) -> str:
    """Whose images this request may read: a valid signed link's, else the token's account."""
    signed = exp is not None or sig is not None
    if signed:
        owner = await _signed_owner(request, path, exp or "", sig or "")
        if owner is not None:
            return owner
    if token is not None:
        caller = await verify_caller(clients, token)
        if path.partition("/")[0] == caller.account_uuid:
            return caller.account_uuid
        # Another account's key: the picture of a notification shared with the caller, or nothing.
        ask = notifier_pb2.AuthorizeImageRequest(image_path=path)
        try:
            reply = await clients.rpc(clients.notifier.AuthorizeImage, ask, token=caller.token)
        except VisionFlowError as error:
            if error.code in (ErrorCode.RESOURCE_NOT_FOUND, ErrorCode.VALIDATION_ERROR):
                raise _not_found() from None
            raise
        return reply.owner_account_uuid or caller.account_uuid
    if signed:
        raise _not_found()
    raise VisionFlowError(ErrorCode.AUTH_REQUIRED, "Authorization token is required")


@router.get(
    "/showimage/{image_path:path}",
    summary="One of the caller's images (e.g. a notification snapshot)",
    description="Needs the owner's token, or `exp` and `sig` from a signed link in an alert.",
    response_class=Response,
    responses={
        200: {"content": {t: {} for t in sorted(set(IMAGE_TYPES.values()))}},
        **errors(*AUTHENTICATED),
    },
)
async def show_image(
    image_path: str,
    request: Request,
    clients: ClientsDep,
    token: BrowserTokenDep,
    exp: Annotated[str | None, Query(description="Signed link: expiry (Unix seconds)")] = None,
    sig: Annotated[str | None, Query(description="Signed link: signature")] = None,
) -> Response:
    account_uuid = await _owner(request, image_path, token=token, exp=exp, sig=sig, clients=clients)
    key, content_type = image_key(account_uuid, image_path)
    if clients.nc is None:
        raise VisionFlowError(ErrorCode.SERVICE_UNAVAILABLE, "Image store unavailable")
    try:
        store = await clients.nc.jetstream().object_store(subjects.SNAPSHOT_BUCKET)
        result = await asyncio.wait_for(store.get(key), STORE_TIMEOUT_S)
    except (NotFoundError, InvalidObjectNameError):
        raise _not_found() from None
    except (NatsError, TimeoutError) as error:
        log.warning("object store read failed account=%s: %s", account_uuid, error)
        raise VisionFlowError(ErrorCode.SERVICE_UNAVAILABLE, "Image store unavailable") from None
    return Response(
        result.data or b"",
        media_type=content_type,
        headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"},
    )
