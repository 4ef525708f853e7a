"""DetectorService RPCs: the models being served, and per-camera analysis stats.

ListModels exposes no account data and needs no token. GetStats needs an access token and only
ever shows the caller's cameras; a foreign or unknown camera is CAMERA_NOT_FOUND.
"""

from __future__ import annotations

import grpc

from services.detector.backends import InferenceModel
from services.detector.cameras import CameraDirectory, WatchedCamera
from services.detector.modelpool import ModelPool
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.tokens import TokenVerifier
from visionflow.v1 import media_pb2, media_pb2_grpc


def model_info(model: InferenceModel) -> media_pb2.ModelInfo:
    return media_pb2.ModelInfo(
        model_name=model.name,
        weights=model.loaded_file.name,  # the file, not where this server keeps it
        backend=model.backend,
        device=model.device,
        classes=list(model.classes),
        fallback=model.weights.fallback,
        note=model.weights.note,
    )


def camera_stats(camera: WatchedCamera) -> media_pb2.CameraStats:
    stats = camera.stats
    if not camera.recognition:
        state = "off"
    elif stats.receiving():
        state = "detecting"
    else:
        state = "waiting"
    return media_pb2.CameraStats(
        camera_id=camera.camera_id,
        fps_in=stats.fps_in(),
        fps_out=stats.fps_out(),
        decode_ms=stats.decode_ms,
        inference_ms=stats.inference_ms,
        encode_ms=stats.encode_ms,
        frames_dropped=stats.frames_dropped,
        state=state,
    )


class DetectorServicer(media_pb2_grpc.DetectorServiceServicer):
    """gRPC face of the detector."""

    def __init__(self, *, pool: ModelPool, directory: CameraDirectory, verifier: TokenVerifier) -> None:
        self._pool = pool
        self._directory = directory
        self._verifier = verifier

    async def ListModels(
        self, request: media_pb2.ListModelsRequest, context: grpc.aio.ServicerContext
    ) -> media_pb2.ListModelsResponse:
        return media_pb2.ListModelsResponse(models=[model_info(model) for model in self._pool.loaded()])

    async def GetStats(
        self, request: media_pb2.GetStatsRequest, context: grpc.aio.ServicerContext
    ) -> media_pb2.GetStatsResponse:
        principal = await self._verifier.principal(context)
        if request.camera_id < 0:
            raise VisionFlowError(ErrorCode.VALIDATION_ERROR, "camera_id must not be negative")
        cameras = self._directory.for_account(principal.account_uuid)
        if request.camera_id:
            cameras = [c for c in cameras if c.camera_id == request.camera_id]
            if not cameras:
                raise VisionFlowError(ErrorCode.CAMERA_NOT_FOUND, "Camera not found or not accessible")
        return media_pb2.GetStatsResponse(cameras=[camera_stats(c) for c in cameras])
