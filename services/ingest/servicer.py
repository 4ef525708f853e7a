"""IngestService RPCs: the newest frame of a camera, and per-camera capture statistics.

Both need an access token; a caller only ever sees cameras of its own account (the account comes
from CameraChanged), and a foreign or unknown camera is CAMERA_NOT_FOUND.
"""

from __future__ import annotations

import grpc

from services.ingest.supervisor import Supervisor
from services.ingest.worker import CameraWorker, state_name
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.tokens import TokenVerifier
from visionflow.v1 import media_pb2, media_pb2_grpc


class IngestServicer(media_pb2_grpc.IngestServiceServicer):
    def __init__(self, supervisor: Supervisor, verifier: TokenVerifier) -> None:
        self._supervisor = supervisor
        self._verifier = verifier

    async def _own_camera(self, camera_id: int, context: grpc.aio.ServicerContext) -> CameraWorker:
        principal = await self._verifier.principal(context)
        worker = self._supervisor.get(camera_id, principal.account_uuid) if camera_id > 0 else None
        if worker is None:
            raise VisionFlowError(ErrorCode.CAMERA_NOT_FOUND, "Camera not found")
        return worker

    async def GetSnapshot(
        self, request: media_pb2.GetSnapshotRequest, context: grpc.aio.ServicerContext
    ) -> media_pb2.GetSnapshotResponse:
        worker = await self._own_camera(request.camera_id, context)
        frame = await worker.snapshot()
        if frame is None:
            raise VisionFlowError(ErrorCode.RESOURCE_NOT_FOUND, "No frame yet")
        return media_pb2.GetSnapshotResponse(
            jpeg=frame.jpeg,
            frame=media_pb2.FrameInfo(
                camera_id=worker.camera_id,
                seq=frame.seq,
                capture_time_ns=frame.capture_time_ns,
                width=frame.width,
                height=frame.height,
            ),
        )

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
