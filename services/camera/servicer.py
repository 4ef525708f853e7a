"""CameraService gRPC methods: authenticate, validate, call the store, publish, reply.

A camera's owner may do everything; an account it is shared with (sharing.py) may only read it
through GetCamera (a viewer's view: no stream URL, regions or settings) and watch it; any other
RPC of such a viewer is INSUFFICIENT_PERMISSIONS, and for everyone else the camera is missing.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import grpc
from sqlalchemy.engine import Engine

from services.camera import shares, store, validation
from services.camera.access import AccessAnnouncer
from services.camera.accounts import AccountDirectory
from services.camera.config import CameraSettings
from services.camera.mask import mask_size, render_mask
from services.camera.messages import camera_message, region_message, timestamp, viewer_message
from services.camera.models import Camera
from services.camera.publisher import CameraPublisher
from services.camera.sharing import FORBIDDEN_MESSAGE, NOT_FOUND_MESSAGE, SharingRpcs
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.logs import scrub_url
from visionflow.tokens import TokenVerifier
from visionflow.v1 import camera_pb2, camera_pb2_grpc, events_pb2
from visionflow.worklane import Lane

log = logging.getLogger(__name__)


def _not_found() -> VisionFlowError:
    return VisionFlowError(ErrorCode.CAMERA_NOT_FOUND, NOT_FOUND_MESSAGE)


class CameraServicer(SharingRpcs, camera_pb2_grpc.CameraServiceServicer):
    """Cameras and regions of the calling account, and view-only access to shared cameras."""

    def __init__(
        self,
        *,
        engine: Engine,
        settings: CameraSettings,
        verifier: TokenVerifier,
        publisher: CameraPublisher,
        accounts: AccountDirectory,
        announcer: AccessAnnouncer,
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._verifier = verifier
        self._publisher = publisher
        self._accounts = accounts
        self._announcer = announcer
        # Rendering a mask can take a core for a second (8192x8192): a bounded lane, so that one
        # account asking for many cannot starve every other call.
        self._masks = Lane(
            "mask", concurrency=settings.camera_mask_concurrency, queue=settings.camera_mask_queue
        )

    async def _account(self, context: grpc.aio.ServicerContext) -> str:
        return (await self._verifier.principal(context)).account_uuid

    async def _owned(self, account_uuid: str, camera_id: int) -> Camera:
        camera = await asyncio.to_thread(
            store.get_camera, engine=self._engine, account_uuid=account_uuid, camera_id=camera_id
        )
        if camera is None:
            raise await self.refusal(account_uuid, camera_id)
        return camera

    async def CreateCamera(
        self, request: camera_pb2.CreateCameraRequest, context: grpc.aio.ServicerContext
    ) -> camera_pb2.CreateCameraResponse:
        account = await self._account(context)
        spec, regions = validation.create_request(
            request,
            allow_file_urls=self._settings.allow_file_urls,
            known_models=self._settings.known_model_names,
            default_model=self._settings.default_model_name,
            policy=self._settings.address_policy(),
        )
        camera = await asyncio.to_thread(
            store.create_camera,
            engine=self._engine,
            account_uuid=account,
            camera=spec,
            regions=regions,
            max_cameras=self._settings.quota_cameras,
        )
        log.info(
            "camera created camera_id=%s account=%s url=%s regions=%s",
            camera.id,
            account,
            scrub_url(camera.stream_url),
            len(camera.regions),
        )
        await self._publisher.publish(
            events_pb2.CHANGE_KIND_CREATED, camera_id=camera.id, account_uuid=account
        )
        return camera_pb2.CreateCameraResponse(camera=camera_message(camera))

    async def ListCameras(
        self, request: camera_pb2.ListCamerasRequest, context: grpc.aio.ServicerContext
    ) -> camera_pb2.ListCamerasResponse:
        account = await self._account(context)
        cameras = await asyncio.to_thread(store.list_cameras, engine=self._engine, account_uuid=account)
        return camera_pb2.ListCamerasResponse(cameras=[camera_message(camera) for camera in cameras])

    async def GetCamera(
        self, request: camera_pb2.GetCameraRequest, context: grpc.aio.ServicerContext
    ) -> camera_pb2.GetCameraResponse:
        account = await self._account(context)
        camera = await asyncio.to_thread(
            store.get_camera, engine=self._engine, account_uuid=account, camera_id=request.camera_id
        )
        if camera is not None:
            return camera_pb2.GetCameraResponse(camera=camera_message(camera))
        share = await asyncio.to_thread(
            shares.viewer_share, engine=self._engine, account_uuid=account, camera_id=request.camera_id
        )
        shared = None
        if share is not None:
            shared = await asyncio.to_thread(
                store.load_camera, engine=self._engine, camera_id=request.camera_id
            )
        if share is None or shared is None:
            raise _not_found()
        return camera_pb2.GetCameraResponse(camera=viewer_message(shared, share))

    async def UpdateCamera(
        self, request: camera_pb2.UpdateCameraRequest, context: grpc.aio.ServicerContext
    ) -> camera_pb2.UpdateCameraResponse:
        account = await self._account(context)
        patch = validation.update_request(
            request,
            allow_file_urls=self._settings.allow_file_urls,
            known_models=self._settings.known_model_names,
            default_model=self._settings.default_model_name,
            policy=self._settings.address_policy(),
        )
        # Everything is validated before anything is written: one transaction, all or nothing.
        regions = validation.check_regions(request.regions, "regions") if request.replace_regions else None
        updated = await asyncio.to_thread(
            store.update_camera,
            engine=self._engine,
            account_uuid=account,
            camera_id=request.camera_id,
            patch=patch,
            regions=regions,
        )
        if updated is None:
            raise await self.refusal(account, request.camera_id)
        camera = updated
        log.info("camera updated camera_id=%s account=%s regions=%s", camera.id, account, regions is not None)
        await self._publisher.publish(
            events_pb2.CHANGE_KIND_UPDATED, camera_id=camera.id, account_uuid=account
        )
        return camera_pb2.UpdateCameraResponse(camera=camera_message(camera))

    async def DeleteCamera(
        self, request: camera_pb2.DeleteCameraRequest, context: grpc.aio.ServicerContext
    ) -> camera_pb2.DeleteCameraResponse:
        account = await self._account(context)
        deleted = await asyncio.to_thread(
            store.delete_camera, engine=self._engine, account_uuid=account, camera_id=request.camera_id
        )
        if not deleted:
            raise await self.refusal(account, request.camera_id)
        log.info("camera deleted camera_id=%s account=%s", request.camera_id, account)
        await self._publisher.publish(
            events_pb2.CHANGE_KIND_DELETED, camera_id=request.camera_id, account_uuid=account
        )
        await self._announcer.announce(
            request.camera_id, account, events_pb2.ACCESS_CHANGE_REASON_CAMERA_DELETED
        )
        self._publisher.purge_snapshots(request.camera_id, account)
        return camera_pb2.DeleteCameraResponse(camera_id=request.camera_id)

    async def ReplaceRegions(
        self, request: camera_pb2.ReplaceRegionsRequest, context: grpc.aio.ServicerContext
    ) -> camera_pb2.ReplaceRegionsResponse:
        account = await self._account(context)
        regions = validation.check_regions(request.regions, "regions")
        replaced = await asyncio.to_thread(
            store.replace_regions,
            engine=self._engine,
            account_uuid=account,
            camera_id=request.camera_id,
            regions=regions,
        )
        if replaced is None:
            raise await self.refusal(account, request.camera_id)
        camera = replaced
        log.info("regions replaced camera_id=%s account=%s regions=%s", camera.id, account, len(regions))
        await self._publisher.publish(
            events_pb2.CHANGE_KIND_UPDATED, camera_id=camera.id, account_uuid=account
        )
        return camera_pb2.ReplaceRegionsResponse(
            camera_id=camera.id,
            regions_count=len(camera.regions),
            saved_at=timestamp(camera.updated_at),
            regions=[region_message(region) for region in camera.regions],
        )

    async def ListRegions(
        self, request: camera_pb2.ListRegionsRequest, context: grpc.aio.ServicerContext
    ) -> camera_pb2.ListRegionsResponse:
        account = await self._account(context)
        camera = await self._owned(account, request.camera_id)
        return camera_pb2.ListRegionsResponse(
            camera_id=camera.id, regions=[region_message(region) for region in camera.regions]
        )

    async def DeleteRegions(
        self, request: camera_pb2.DeleteRegionsRequest, context: grpc.aio.ServicerContext
    ) -> camera_pb2.DeleteRegionsResponse:
        account = await self._account(context)
        count = await asyncio.to_thread(
            store.delete_regions, engine=self._engine, account_uuid=account, camera_id=request.camera_id
        )
        if count is None:
            # API.md shows 403 here for another account's camera; a missing one is still 404.
            exists = await asyncio.to_thread(
                store.camera_exists, engine=self._engine, camera_id=request.camera_id
            )
            if exists:
                raise VisionFlowError(ErrorCode.INSUFFICIENT_PERMISSIONS, FORBIDDEN_MESSAGE)
            raise _not_found()
        log.info("regions deleted camera_id=%s account=%s regions=%s", request.camera_id, account, count)
        await self._publisher.publish(
            events_pb2.CHANGE_KIND_UPDATED, camera_id=request.camera_id, account_uuid=account
        )
        return camera_pb2.DeleteRegionsResponse(
            camera_id=request.camera_id, deleted_regions=count, deleted_at=timestamp(datetime.now(UTC))
        )

    async def RenderMask(
        self, request: camera_pb2.RenderMaskRequest, context: grpc.aio.ServicerContext
    ) -> camera_pb2.RenderMaskResponse:
        account = await self._account(context)
        requested = (
            validation.check_mask_side(request.width, "width"),
            validation.check_mask_side(request.height, "height"),
        )
        camera = await self._owned(account, request.camera_id)
        width, height = mask_size(requested, (camera.width, camera.height))
        polygons = [region.coordinates for region in camera.regions]
        png = await self._masks.run(lambda: render_mask(width, height, polygons))
        return camera_pb2.RenderMaskResponse(png=png, width=width, height=height)
