"""A stand-in auth server for service tests: it serves `AuthService.GetPublicKeys`, and
`FindAccount` for the accounts a test names with `add_account`.

It runs in the test process on a free port and publishes one test Ed25519 key, so a service under
test verifies real signed tokens without the auth service. `token()` mints tokens with that key, or
with a `rogue` key that is never published (for "signed by someone else" tests).
"""

from __future__ import annotations

import grpc
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from visionflow.grpctls import GrpcTls
from visionflow.rpc import ServiceServer, bearer_from_context, create_server
from visionflow.tokens import ACCESS_TYPE, ALGORITHM, ISSUER, key_id, public_pem, sign_token
from visionflow.v1 import auth_pb2, auth_pb2_grpc

_HOST = "127.0.0.1"


class _PublicKeysOnly(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, key: Ed25519PrivateKey, accounts: dict[str, tuple[str, str]]) -> None:
        self._accounts = accounts
        self._reply = auth_pb2.GetPublicKeysResponse(
            keys=[auth_pb2.PublicKey(kid=key_id(key), algorithm=ALGORITHM, public_key_pem=public_pem(key))],
            issuer=ISSUER,
        )

    async def GetPublicKeys(
        self, request: auth_pb2.GetPublicKeysRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.GetPublicKeysResponse:
        return self._reply

    async def FindAccount(
        self, request: auth_pb2.FindAccountRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.FindAccountResponse:
        if bearer_from_context(context) is None:
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "Authorization token is required")
        found = self._accounts.get(request.username_or_email.strip().lower())
        if found is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, "No account with this username or email")
        assert found is not None
        return auth_pb2.FindAccountResponse(account_uuid=found[0], username=found[1])


class KeyServer:
    """Publishes `key` through GetPublicKeys and signs test tokens with it (or with `rogue`)."""

    def __init__(
        self, key: Ed25519PrivateKey | None = None, *, rogue: Ed25519PrivateKey | None = None
    ) -> None:
        self.key = key or Ed25519PrivateKey.generate()
        self.rogue = rogue or Ed25519PrivateKey.generate()  # never published
        self._server: ServiceServer | None = None
        self._accounts: dict[str, tuple[str, str]] = {}  # lower-case username or email -> account

    def add_account(self, account_uuid: str, username: str, email: str) -> None:
        """Make `FindAccount` answer for this username and email."""
        for name in (username, email):
            self._accounts[name.lower()] = (account_uuid, username)

    @property
    def address(self) -> str:
        """`host:port` of the running server."""
        if self._server is None:
            raise RuntimeError("KeyServer is not started")
        return f"{_HOST}:{self._server.port}"

    def token(
        self,
        account_uuid: str,
        *,
        token_type: str = ACCESS_TYPE,
        ttl_seconds: int = 900,
        rogue: bool = False,
        username: str = "",
    ) -> str:
        """A signed token for `account_uuid` (a negative ttl gives an expired one)."""
        key = self.rogue if rogue else self.key
        return sign_token(
            key,
            key_id(key),
            subject=account_uuid,
            token_type=token_type,
            ttl_seconds=ttl_seconds,
            extra={"username": username} if username else None,
        )

    async def start(
        self, *, tls: GrpcTls | None = None, reflection_on: bool = True, health_port: int | None = None
    ) -> str:
        """Serve on a free local port (TLS with `tls`); returns the address."""
        if self._server is not None:
            raise RuntimeError("KeyServer is already started")

        def register(server: grpc.aio.Server) -> list[str]:
            auth_pb2_grpc.add_AuthServiceServicer_to_server(_PublicKeysOnly(self.key, self._accounts), server)
            return [auth_pb2.DESCRIPTOR.services_by_name["AuthService"].full_name]

        server = create_server(
            register, _HOST, 0, tls=tls, reflection_on=reflection_on, health_port=health_port
        )
        await server.start()
        self._server = server
        return self.address

    @property
    def health_port(self) -> int | None:
        return None if self._server is None else self._server.health_port

    async def stop(self, grace: float = 1.0) -> None:
        if self._server is not None:
            server, self._server = self._server, None
            await server.stop(grace)
