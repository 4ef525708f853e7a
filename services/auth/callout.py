"""Integrators on NATS log in with their VisionFlow access token: the auth service answers
nats-server's auth callout.

A client connecting without a service password (`nats.connect(url, token=<access token>)`) is
handed by the server to `$SYS.REQ.USER.AUTH` as an authorization request (a JWT the server
signs). The callout verifies the access token like any other service does and answers with a
user JWT, signed by the callout's account nkey (`VF_NATS_CALLOUT_SEED`, which nats-server trusts
as `auth_callout.issuer`), that grants `natsauth.integrator_permissions` for the token's
account only and expires with the token: NATS closes the connection then. Anything else (no
token, an expired or forged one, a refresh token) is answered with an error and the connection
is refused. Several auth replicas answer as one queue group.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import nkeys
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from services.auth import natsjwt
from visionflow import natsauth
from visionflow.errors import VisionFlowError

log = logging.getLogger(__name__)

QUEUE = "auth-callout"
REQUEST_AUDIENCE = "nats-authorization-request"

# Checks an access token: the account uuid and username it names, and when it expires (Unix).
TokenCheck = Callable[[str], tuple[str, str, int]]


class CalloutRefused(Exception):
    """Why a login is refused; the message goes back to nats-server (and its log)."""


class NatsCallout:
    """Answers the server's authorization requests for integrators' token logins."""

    def __init__(self, nc: NATS, issuer: nkeys.KeyPair, check_token: TokenCheck) -> None:
        self._nc = nc
        self._issuer = issuer
        self._check_token = check_token
        self._subscription: Subscription | None = None

    async def start(self) -> None:
        self._subscription = await self._nc.subscribe(
            natsauth.CALLOUT_SUBJECT, queue=QUEUE, cb=self._on_request
        )
        log.info("answering NATS logins of integrators issuer=%s", self._issuer.public_key.decode())

    async def stop(self) -> None:
        if self._subscription is not None:
            try:
                await self._subscription.unsubscribe()
            except Exception as error:  # noqa: BLE001 - a closed connection has dropped it anyway
                log.debug("callout unsubscribe: %s", error)
            self._subscription = None

    async def _on_request(self, msg: Msg) -> None:
        if not msg.reply:
            return
        answer = self.answer(msg.data)
        if answer is not None:
            await msg.respond(answer.encode())

    def answer(self, data: bytes) -> str | None:
        """The signed authorization response to one request (None for an unverifiable one: the
        server then times the login out and refuses it)."""
        try:
            request = natsjwt.decode_verified(data.decode(), issuer_prefix=nkeys.PREFIX_BYTE_SERVER)
            details = request["nats"]
            user_nkey = str(details["user_nkey"])
            server_id = str(details["server_id"]["id"])
        except (natsjwt.InvalidNatsJwt, UnicodeDecodeError, KeyError, TypeError) as error:
            log.warning("unverifiable NATS authorization request dropped: %s", error)
            return None
        client = details.get("client_info") or {}
        where = f"{client.get('host', '?')} name={client.get('name', '')!r}"
        try:
            user_jwt, account_uuid = self._grant(details, user_nkey)
        except CalloutRefused as refused:
            log.info("NATS login refused client=%s: %s", where, refused)
            return self._response(user_nkey, server_id, error=str(refused))
        log.info("NATS login of an integrator account=%s client=%s", account_uuid, where)
        return self._response(user_nkey, server_id, user_jwt=user_jwt)

    def _grant(self, details: dict[str, Any], user_nkey: str) -> tuple[str, str]:
        options = details.get("connect_opts") or {}
        token = options.get("auth_token") or options.get("pass") or ""
        if not isinstance(token, str) or not token:
            raise CalloutRefused("a VisionFlow access token is required (connect with token=...)")
        try:
            account_uuid, username, expires_at = self._check_token(token)
        except VisionFlowError as error:
            raise CalloutRefused(error.message) from None
        now = int(time.time())
        claims = {
            "sub": user_nkey,
            "aud": natsauth.ACCOUNT,
            "name": username,
            "iat": now,
            "exp": expires_at,
            "nats": {
                **natsauth.integrator_permissions(account_uuid),
                "type": "user",
                "version": 2,
            },
        }
        return natsjwt.encode(claims, self._issuer), account_uuid

    def _response(self, user_nkey: str, server_id: str, *, user_jwt: str = "", error: str = "") -> str:
        body: dict[str, Any] = {"type": "authorization_response", "version": 2}
        if user_jwt:
            body["jwt"] = user_jwt
        else:
            body["error"] = error
        claims = {"sub": user_nkey, "aud": server_id, "iat": int(time.time()), "nats": body}
        return natsjwt.encode(claims, self._issuer)
