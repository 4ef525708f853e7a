"""Looking accounts up by username or email in the auth service (it owns accounts).

The camera service resolves a share's grantee itself, with the owner's own token forwarded, so a
share always names a real account and its real username, whoever calls ShareCamera.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc

from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.rpc import call
from visionflow.v1 import auth_pb2, auth_pb2_grpc

LOOKUP_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class FoundAccount:
    account_uuid: str
    username: str


class AccountDirectory:
    """`FindAccount` on the auth service."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._stub = auth_pb2_grpc.AuthServiceStub(channel)

    async def find(self, username_or_email: str, *, token: str) -> FoundAccount | None:
        """The account, or None when no account has that username or email."""
        request = auth_pb2.FindAccountRequest(username_or_email=username_or_email)
        try:
            reply = await call(self._stub.FindAccount, request, token=token, timeout=LOOKUP_TIMEOUT_S)
        except VisionFlowError as error:
            if error.code is ErrorCode.RESOURCE_NOT_FOUND:
                return None
            raise
        return FoundAccount(reply.account_uuid, reply.username)
