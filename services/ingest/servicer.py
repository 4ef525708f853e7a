"""IngestService RPCs: the newest frame of a camera, and per-camera capture statistics.

Both need an access token; a caller only ever sees cameras of its own account (the account comes
from the camera feed), and a foreign or unknown camera is CAMERA_NOT_FOUND. With several ingest
replicas a snapshot of a camera another replica reads is asked of that replica over NATS;
statistics cover the cameras this replica reads.
"""

from __future__ import annotations

import grpc
from nats.aio.client import Client as NATS

from services.ingest.cameras import SnapshotUnavailable, ask_owner_for_snapshot, snapshot_of
from services.ingest.supervisor import Supervisor
from services.ingest.worker import CameraWorker, state_name
from visionflow.camerafeed import CameraFeed
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.tokens import TokenVerifier
from visionflow.v1 import media_pb2, media_pb2_grpc


class IngestServicer(media_pb2_grpc.IngestServiceServicer):
    def __init__(
        self,
        supervisor: Supervisor,
        verifier: TokenVerifier,
        *,
        feed: CameraFeed | None = None,
        nc: NATS | None = None,
    ) -> None:
        self._supervisor = supervisor
        self._verifier = verifier
        self._feed = feed
        self._nc = nc

    async def _own_camera(self, camera_id: int, context: grpc.aio.ServicerContext) -> CameraWorker:
        principal = await self._verifier.principal(context)
        worker = self._supervisor.get(camera_id, principal.account_uuid) if camera_id > 0 else None
        if worker is None:
            raise VisionFlowError(ErrorCode.CAMERA_NOT_FOUND, "Camera not found")
        return worker

    async def GetSnapshot(
        self, request: media_pb2.GetSnapshotRequest, context: grpc.aio.ServicerContext
    ) -> media_pb2.GetSnapshotResponse:
        principal = await self._verifier.principal(context)
        camera_id = request.camera_id
        worker = self._supervisor.get(camera_id, principal.account_uuid) if camera_id > 0 else None
        if worker is not None:
            response = await snapshot_of(worker)
        elif (
            self._feed is not None
            and self._nc is not None
            and camera_id > 0
            and self._feed.account_of(camera_id) == principal.account_uuid
        ):
            try:
                response = await ask_owner_for_snapshot(self._nc, camera_id)
            except SnapshotUnavailable:
                response = None  # no replica reads it right now (failing over): no frame yet
        else:
            raise VisionFlowError(ErrorCode.CAMERA_NOT_FOUND, "Camera not found")
        if response is None:
            raise VisionFlowError(ErrorCode.RESOURCE_NOT_FOUND, "No frame yet")
        return response

    async def GetStats(
        self, request: media_pb2.GetStatsRequest, context: grpc.aio.ServicerContext
    ) -> media_pb2.GetStatsResponse:
        if request.camera_id:
            workers = [await self._own_camera(request.camera_id, context)]
        else:
            principal = await self._verifier.principal(context)
            workers = self._supervisor.of_account(principal.account_uuid)
        return media_pb2.GetStatsResponse(cameras=[_stats_of(worker) for worker in workers])


def _stats_of(worker: CameraWorker) -> media_pb2.CameraStats:
    stats = worker.stats
    return media_pb2.CameraStats(
        camera_id=worker.camera_id,
        fps_in=round(stats.fps_in, 2),
        fps_out=round(stats.fps_out, 2),
        decode_ms=round(stats.decode_ms, 3),
        encode_ms=round(stats.encode_ms, 3),
        frames_dropped=stats.frames_dropped,
        reconnects=stats.reconnects,
        state=state_name(worker.state),
    )
