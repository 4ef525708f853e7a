"""The sharing RPCs of CameraService: grant, list and revoke view-only shares, and the cameras
shared with the caller. Mixed into CameraServicer (servicer.py), whose state it uses.

Only the owner manages a camera's shares; a grantee asking gets INSUFFICIENT_PERMISSIONS, anyone
else CAMERA_NOT_FOUND. Every change republishes the camera (its grants travel in the feed), and a
revocation is announced on `vf.access.camera.<id>` so the grantee's open streams end at once.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import grpc
from sqlalchemy.engine import Engine

from services.camera import shares, store
from services.camera.access import AccessAnnouncer
from services.camera.accounts import AccountDirectory
from services.camera.config import CameraSettings
from services.camera.messages import share_message, shared_camera_message
from services.camera.models import ShareSpec
from services.camera.publisher import CameraPublisher
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.rpc import bearer_from_context
from visionflow.tokens import Principal, TokenVerifier
from visionflow.v1 import camera_pb2, events_pb2

log = logging.getLogger(__name__)

GRANTEE_MAX_CHARS = 254
# The last second a protobuf Timestamp (and a datetime) can hold: 9999-12-31T23:59:59Z.
MAX_TIMESTAMP_S = 253_402_300_799
NOT_FOUND_MESSAGE = "攝影機不存在或無權限訪問"
FORBIDDEN_MESSAGE = "無權限訪問此攝影機"


def invalid(message: str) -> VisionFlowError:
    return VisionFlowError(ErrorCode.VALIDATION_ERROR, message)


def check_grantee(value: str) -> str:
    grantee = value.strip()
    if not grantee:
        raise invalid("grantee: a username or email is required")
    if len(grantee) > GRANTEE_MAX_CHARS:
        raise invalid(f"grantee: at most {GRANTEE_MAX_CHARS} characters")
    return grantee


def check_expiry(request: camera_pb2.ShareCameraRequest) -> datetime | None:
    if not request.HasField("expires_at"):
        return None
    stamp = request.expires_at
    if not 0 < stamp.seconds <= MAX_TIMESTAMP_S or not 0 <= stamp.nanos < 1_000_000_000:
        raise invalid("expires_at: not a valid time")
    expires = stamp.ToDatetime(tzinfo=UTC)
    if expires <= datetime.now(UTC):
        raise invalid("expires_at: must be in the future")
    return expires


class SharingRpcs:
    """ShareCamera, ListCameraShares, RevokeCameraShare, ListSharedCameras."""

    _engine: Engine
    _settings: CameraSettings
    _verifier: TokenVerifier
    _publisher: CameraPublisher
    _accounts: AccountDirectory
    _announcer: AccessAnnouncer

    async def _principal(self, context: grpc.aio.ServicerContext) -> Principal:
        return await self._verifier.principal(context)

    async def refusal(self, account_uuid: str, camera_id: int) -> VisionFlowError:
        """Why a caller may not change a camera: 403 for its viewer, else 404 (missing or foreign)."""
        share = await asyncio.to_thread(
            shares.viewer_share, engine=self._engine, account_uuid=account_uuid, camera_id=camera_id
        )
        if share is not None:
            return VisionFlowError(ErrorCode.INSUFFICIENT_PERMISSIONS, FORBIDDEN_MESSAGE)
        return VisionFlowError(ErrorCode.CAMERA_NOT_FOUND, NOT_FOUND_MESSAGE)

    async def _require_owner(self, account_uuid: str, camera_id: int) -> None:
        camera = await asyncio.to_thread(
            store.get_camera, engine=self._engine, account_uuid=account_uuid, camera_id=camera_id
        )
        if camera is None:
            raise await self.refusal(account_uuid, camera_id)

    async def ShareCamera(
        self, request: camera_pb2.ShareCameraRequest, context: grpc.aio.ServicerContext
    ) -> camera_pb2.ShareCameraResponse:
        principal = await self._principal(context)
        owner = principal.account_uuid
        grantee = check_grantee(request.grantee)
        expires_at = check_expiry(request)
        await self._require_owner(owner, request.camera_id)
        token = bearer_from_context(context) or ""
        found = await self._accounts.find(grantee, token=token)
        if found is None:
            raise invalid("grantee: no account with this username or email")
        if found.account_uuid == owner:
            raise invalid("grantee: a camera cannot be shared with its own owner")
        spec = ShareSpec(
            grantee_account_uuid=found.account_uuid,
            grantee_username=found.username,
            include_past_notifications=request.include_past_notifications,
            expires_at=expires_at,
        )
        share = await asyncio.to_thread(
            shares.create_share,
            engine=self._engine,
            owner_account_uuid=owner,
            owner_username=principal.username,
            camera_id=request.camera_id,
            spec=spec,
            max_shares=self._settings.quota_shares_per_camera,
        )
        if share is None:  # deleted in between
            raise VisionFlowError(ErrorCode.CAMERA_NOT_FOUND, NOT_FOUND_MESSAGE)
        log.info(
            "camera shared camera_id=%s account=%s grantee=%s share=%s",
            share.camera_id,
            owner,
            share.grantee_account_uuid,
            share.id,
        )
        await self._publisher.publish(
            events_pb2.CHANGE_KIND_UPDATED, camera_id=share.camera_id, account_uuid=owner
        )
        return camera_pb2.ShareCameraResponse(share=share_message(share))

    async def ListCameraShares(
        self, request: camera_pb2.ListCameraSharesRequest, context: grpc.aio.ServicerContext
    ) -> camera_pb2.ListCameraSharesResponse:
        owner = (await self._principal(context)).account_uuid
        await self._require_owner(owner, request.camera_id)
        rows = await asyncio.to_thread(
            shares.list_shares, engine=self._engine, owner_account_uuid=owner, camera_id=request.camera_id
        )
        return camera_pb2.ListCameraSharesResponse(shares=[share_message(share) for share in rows])

    async def RevokeCameraShare(
        self, request: camera_pb2.RevokeCameraShareRequest, context: grpc.aio.ServicerContext
    ) -> camera_pb2.RevokeCameraShareResponse:
        owner = (await self._principal(context)).account_uuid
        await self._require_owner(owner, request.camera_id)
        share = await asyncio.to_thread(
            shares.revoke_share,
            engine=self._engine,
            owner_account_uuid=owner,
            camera_id=request.camera_id,
            share_id=request.share_id,
        )
        if share is None:
            raise VisionFlowError(ErrorCode.RESOURCE_NOT_FOUND, "Share not found")
        log.info(
            "share revoked camera_id=%s account=%s grantee=%s share=%s",
            share.camera_id,
            owner,
            share.grantee_account_uuid,
            share.id,
        )
        await self._publisher.publish(
            events_pb2.CHANGE_KIND_UPDATED, camera_id=share.camera_id, account_uuid=owner
        )
        await self._announcer.announce(
            share.camera_id, share.grantee_account_uuid, events_pb2.ACCESS_CHANGE_REASON_SHARE_REVOKED
        )
        return camera_pb2.RevokeCameraShareResponse(share_id=share.id)

    async def ListSharedCameras(
        self, request: camera_pb2.ListSharedCamerasRequest, context: grpc.aio.ServicerContext
    ) -> camera_pb2.ListSharedCamerasResponse:
        viewer = (await self._principal(context)).account_uuid
        granted = await asyncio.to_thread(shares.shared_with, engine=self._engine, account_uuid=viewer)
        replies: list[camera_pb2.SharedCamera] = []
        for share in granted:
            camera = await asyncio.to_thread(
                store.load_camera, engine=self._engine, camera_id=share.camera_id
            )
            if camera is not None:
                replies.append(shared_camera_message(camera, share))
        return camera_pb2.ListSharedCamerasResponse(cameras=replies)
