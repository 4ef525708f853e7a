"""AuthService RPCs: validate, call the store (in a thread), build the reply.

Argon2 runs in bounded lanes (services/auth/hashwork.py) and every database call leaves the
event loop through `asyncio.to_thread`. Passwords and
tokens are never logged; log lines carry `account=` where the account is known.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.engine import Engine

from services.auth import store
from services.auth.hashwork import HashWork
from services.auth.issuer import TokenIssuer, hash_jti
from services.auth.models import Account
from services.auth.passwords import Passwords, Verification
from services.auth.ratelimit import LoginRateLimiter
from services.auth.sessions import SessionAnnouncer
from services.auth.validation import PASSWORD_MAX, check_email, check_password, check_username
from visionflow.camera_urls import IPNetwork
from visionflow.clientaddr import grpc_peer_host, is_trusted
from visionflow.db import utcnow
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.rpc import bearer_from_context
from visionflow.tokens import ALGORITHM, ISSUER
from visionflow.v1 import auth_pb2, auth_pb2_grpc

log = logging.getLogger(__name__)

INVALID_CREDENTIALS_MESSAGE = "Invalid username or password"
REVOKED_MESSAGE = "Refresh token is invalid or has been revoked"
NO_SUCH_ACCOUNT = "No account with this username or email"
FIND_MAX_CHARS = 254


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    def __init__(
        self,
        *,
        engine: Engine,
        passwords: Passwords,
        limiter: LoginRateLimiter,
        issuer: TokenIssuer,
        hashing: HashWork,
        sessions: SessionAnnouncer,
        trusted_clients: tuple[IPNetwork, ...],
    ) -> None:
        self._hashing = hashing
        self._sessions = sessions
        self._trusted_clients = trusted_clients
        self._engine = engine
        self._passwords = passwords
        self._limiter = limiter
        self._issuer = issuer

    async def Register(
        self, request: auth_pb2.RegisterRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.RegisterResponse:
        username = check_username(request.username)
        email = check_email(request.email)
        password = check_password(request.password)
        address = self._client_address(request.client_address, context)
        await asyncio.to_thread(self._limiter.begin_registration, address)
        password_hash = await self._hashing.registrations.run(partial(self._passwords.hash, password))
        account = await asyncio.to_thread(
            partial(
                store.create_account,
                engine=self._engine,
                username=username,
                email=email,
                password_hash=password_hash,
            )
        )
        log.info("account registered account=%s", account.account_uuid)
        return auth_pb2.RegisterResponse(account_uuid=account.account_uuid)

    async def Login(
        self, request: auth_pb2.LoginRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.LoginResponse:
        username = request.username
        address = self._client_address(request.client_address, context)
        attempt = await asyncio.to_thread(self._limiter.begin_login, username, address)
        try:
            account = await asyncio.to_thread(
                partial(store.get_account_by_username, engine=self._engine, username=username)
            )
            verification = await self._verify(account, request.password)
        except BaseException:
            await asyncio.to_thread(self._limiter.abandoned, attempt)  # no password was judged
            raise
        if account is None or not verification.ok:
            log.info(
                "login failed account=%s address=%r",
                account.account_uuid if account else "-",
                address or "-",
            )
            raise VisionFlowError(ErrorCode.INVALID_CREDENTIALS, INVALID_CREDENTIALS_MESSAGE)
        if verification.needs_rehash:
            await self._rehash(account, request.password)
        await asyncio.to_thread(self._limiter.succeeded, attempt, username)
        refresh = self._issuer.refresh(account_uuid=account.account_uuid)
        access = self._issuer.access(
            account_uuid=account.account_uuid, username=account.username, session_id=refresh.family_id
        )
        await asyncio.to_thread(
            partial(
                store.add_refresh_token,
                engine=self._engine,
                jti_hash=refresh.jti_hash,
                family_id=refresh.family_id,
                account_uuid=account.account_uuid,
                expires_at=refresh.expires_at,
            )
        )
        log.info("login account=%s family=%s", account.account_uuid, refresh.family_id)
        return auth_pb2.LoginResponse(
            account_uuid=account.account_uuid,
            access_token=access,
            refresh_token=refresh.token,
            access_expires_in=self._issuer.access_ttl_seconds,
            refresh_expires_in=self._issuer.refresh_ttl_seconds,
        )

    def _client_address(self, claimed: str, context: grpc.aio.ServicerContext) -> str:
        """The end client: what a trusted caller (the gateway) says, else the gRPC peer itself."""
        peer = grpc_peer_host(context.peer() or "")
        if claimed and is_trusted(peer, self._trusted_clients):
            return claimed[:64]
        return peer

    async def _verify(self, account: Account | None, password: str) -> Verification:
        if len(password) > PASSWORD_MAX:  # never a valid password; do not spend Argon2 on it
            return Verification(ok=False)
        stored = account.password_hash if account is not None else None
        return await self._hashing.logins.run(partial(self._passwords.verify, stored, password))

    async def _rehash(self, account: Account, password: str) -> None:
        new_hash = await self._hashing.logins.run(partial(self._passwords.hash, password))
        await asyncio.to_thread(
            partial(
                store.update_password_hash,
                engine=self._engine,
                account_uuid=account.account_uuid,
                password_hash=new_hash,
            )
        )
        log.info("password rehashed with current parameters account=%s", account.account_uuid)

    async def Refresh(
        self, request: auth_pb2.RefreshRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.RefreshResponse:
        claims = self._issuer.decode_refresh(request.refresh_token)
        successor = self._issuer.refresh(account_uuid=str(claims["sub"]), family_id=str(claims["fam"]))
        result = await asyncio.to_thread(
            partial(
                store.rotate_refresh_token,
                engine=self._engine,
                jti_hash=hash_jti(str(claims["jti"])),
                new_jti_hash=successor.jti_hash,
                new_expires_at=successor.expires_at,
                now=utcnow(),
            )
        )
        if result.outcome is store.RotateOutcome.REUSED:
            log.warning(
                "refresh token reused; family revoked account=%s family=%s",
                result.account_uuid,
                result.family_id,
            )
            raise VisionFlowError(ErrorCode.INVALID_TOKEN, REVOKED_MESSAGE)
        if result.outcome is not store.RotateOutcome.ROTATED or result.account_uuid is None:
            raise VisionFlowError(ErrorCode.INVALID_TOKEN, REVOKED_MESSAGE)
        account = await asyncio.to_thread(
            partial(store.get_account, engine=self._engine, account_uuid=result.account_uuid)
        )
        if account is None:
            raise VisionFlowError(ErrorCode.INVALID_TOKEN, REVOKED_MESSAGE)
        access = self._issuer.access(
            account_uuid=account.account_uuid, username=account.username, session_id=str(claims["fam"])
        )
        return auth_pb2.RefreshResponse(
            access_token=access,
            refresh_token=successor.token,
            access_expires_in=self._issuer.access_ttl_seconds,
            refresh_expires_in=self._issuer.refresh_ttl_seconds,
        )

    async def Logout(
        self, request: auth_pb2.LogoutRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.LogoutResponse:
        claims = self._issuer.decode_refresh(request.refresh_token)
        revoked = await asyncio.to_thread(
            partial(
                store.revoke_refresh_family,
                engine=self._engine,
                jti_hash=hash_jti(str(claims["jti"])),
                now=utcnow(),
            )
        )
        if not revoked:
            raise VisionFlowError(ErrorCode.INVALID_TOKEN, REVOKED_MESSAGE)
        log.info("logout account=%s family=%s", claims["sub"], claims["fam"])
        await self._sessions.ended(str(claims["sub"]), str(claims["fam"]))
        return auth_pb2.LogoutResponse()

    async def LogoutAll(
        self, request: auth_pb2.LogoutAllRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.LogoutAllResponse:
        token = bearer_from_context(context)
        if token is None:
            raise VisionFlowError(ErrorCode.AUTH_REQUIRED, "Authorization token is required")
        account_uuid = str(self._issuer.decode_access(token)["sub"])
        families = await asyncio.to_thread(
            partial(
                store.revoke_account_families, engine=self._engine, account_uuid=account_uuid, now=utcnow()
            )
        )
        log.info("logout everywhere account=%s sessions=%s", account_uuid, len(families))
        await self._sessions.ended(account_uuid, "", families)
        return auth_pb2.LogoutAllResponse(sessions_ended=len(families))

    async def GetPublicKeys(
        self, request: auth_pb2.GetPublicKeysRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.GetPublicKeysResponse:
        key = self._issuer.key
        return auth_pb2.GetPublicKeysResponse(
            keys=[auth_pb2.PublicKey(kid=key.kid, algorithm=ALGORITHM, public_key_pem=key.public_pem)],
            issuer=ISSUER,
        )

    async def VerifyToken(
        self, request: auth_pb2.VerifyTokenRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.VerifyTokenResponse:
        claims = self._issuer.decode_access(request.access_token)
        return auth_pb2.VerifyTokenResponse(
            account_uuid=str(claims["sub"]),
            username=str(claims.get("username", "")),
            expires_at=Timestamp(seconds=int(claims["exp"])),
        )

    async def FindAccount(
        self, request: auth_pb2.FindAccountRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.FindAccountResponse:
        """Exact username or email match, for signed-in callers only; any miss answers the same."""
        token = bearer_from_context(context)
        if token is None:
            raise VisionFlowError(ErrorCode.AUTH_REQUIRED, "Authorization token is required")
        caller = str(self._issuer.decode_access(token)["sub"])
        wanted = request.username_or_email.strip()
        if not wanted or len(wanted) > FIND_MAX_CHARS:
            raise VisionFlowError(ErrorCode.RESOURCE_NOT_FOUND, NO_SUCH_ACCOUNT)
        account = await asyncio.to_thread(store.find_account, engine=self._engine, username_or_email=wanted)
        if account is None:
            raise VisionFlowError(ErrorCode.RESOURCE_NOT_FOUND, NO_SUCH_ACCOUNT)
        log.info("account looked up account=%s found=%s", caller, account.account_uuid)
        return auth_pb2.FindAccountResponse(account_uuid=account.account_uuid, username=account.username)
