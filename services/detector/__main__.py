"""Entry point: `python -m services.detector`."""

from __future__ import annotations

import asyncio
import logging

import grpc

from services.detector.alerts import AlertSender
from services.detector.backends import choose_backend, prepare_ultralytics
from services.detector.batcher import Batcher
from services.detector.cameras import CameraDirectory
from services.detector.config import DetectorSettings
from services.detector.dwells import DwellStore
from services.detector.frames import FrameSlots
from services.detector.metrics import DetectorMetrics
from services.detector.modelpool import ModelPool
from services.detector.publisher import FramePublisher
from services.detector.registry import registry_names
from services.detector.servicer import DetectorServicer
from visionflow.lifecycle import Runtime, run, service_runtime
from visionflow.membership import Membership
from visionflow.tokens import TokenVerifier, auth_service_key_fetcher
from visionflow.v1 import media_pb2, media_pb2_grpc

log = logging.getLogger(__name__)


def _start_metrics(metrics: DetectorMetrics, settings: DetectorSettings) -> None:
    try:
        metrics.serve(settings.grpc_host, settings.detector_metrics_port)
    except OSError as error:
        log.error(
            "metrics port %s unavailable (%s); running without /metrics",
            settings.detector_metrics_port,
            error,
        )


async def main() -> Runtime:
    settings = DetectorSettings()
    prepare_ultralytics()
    async with service_runtime("detector", settings) as runtime:
        metrics = DetectorMetrics()
        _start_metrics(metrics, settings)
        runtime.on_stop(metrics.stop)

        backend, device = await asyncio.to_thread(
            choose_backend, settings.detector_backend, settings.detector_device
        )
        pool = ModelPool(
            models_dir=settings.weights_dir,
            backend=backend,
            device=device,
            imgsz=settings.detector_imgsz,
            max_batch=settings.detector_max_batch,
        )
        runtime.on_stop(lambda: asyncio.to_thread(pool.close))
        for name in registry_names():
            await pool.get(name)

        alerts = AlertSender(runtime.js, metrics)
        runtime.add_task(alerts.run(), name="alerts")
        runtime.on_stop(alerts.flush)

        # Its own JetStream context: a renewal gives up after one heartbeat, so a replica cut off
        # from NATS notices within the TTL (and gives its cameras up) instead of waiting 5 s a try.
        membership = Membership(
            runtime.nc.jetstream(timeout=settings.member_heartbeat_s),
            "detector",
            ttl_s=settings.member_ttl_s,
            heartbeat_s=settings.member_heartbeat_s,
        )
        runtime.on_stop(membership.stop)  # last: leave once this replica stopped analysing
        dwells = DwellStore(runtime.js)
        await dwells.start()
        runtime.on_stop(dwells.stop)

        slots = FrameSlots()
        directory = CameraDirectory(
            nc=runtime.nc,
            js=runtime.js,
            slots=slots,
            metrics=metrics,
            grace_seconds=settings.detector_grace_seconds,
            track_buffer_seconds=settings.detector_track_buffer_seconds,
            same_object_seconds=settings.detector_same_object_seconds,
            owns=membership.owns,
            dwells=dwells,
        )
        membership.on_change(directory.feed.reassess)
        await membership.start()
        await directory.start()
        runtime.on_stop(directory.stop)

        batcher = Batcher(
            slots=slots,
            directory=directory,
            pool=pool,
            publisher=FramePublisher(runtime.nc),
            alerts=alerts,
            metrics=metrics,
            confidence=settings.detector_confidence,
            jpeg_quality=settings.detector_jpeg_quality,
            dwells=dwells,
        )
        runtime.add_task(batcher.run(), name="batcher")

        servicer = DetectorServicer(
            pool=pool,
            directory=directory,
            verifier=TokenVerifier(auth_service_key_fetcher(settings.auth_address, settings.grpc_tls())),
        )

        def add_servicers(server: grpc.aio.Server) -> list[str]:
            media_pb2_grpc.add_DetectorServiceServicer_to_server(servicer, server)
            return [media_pb2.DESCRIPTOR.services_by_name["DetectorService"].full_name]

        await runtime.serve(add_servicers, settings.detector_grpc_port)
    return runtime


if __name__ == "__main__":
    run(main)
