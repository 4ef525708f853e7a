"""`python -m services.ingest`: read every camera once, publish detect frames and, on demand, JPEG."""

from __future__ import annotations

import grpc

from services.ingest.cameras import answer_snapshots, follow_demand
from services.ingest.capture import CaptureOptions
from services.ingest.config import IngestSettings
from services.ingest.detectframes import DetectOptions
from services.ingest.metrics import start_metrics
from services.ingest.motion import MotionOptions
from services.ingest.publisher import Publisher
from services.ingest.servicer import IngestServicer
from services.ingest.supervisor import Supervisor
from services.ingest.worker import WorkerOptions
from visionflow.camerafeed import CameraFeed
from visionflow.lifecycle import Runtime, run, service_runtime
from visionflow.membership import Membership
from visionflow.tokens import TokenVerifier, auth_service_key_fetcher
from visionflow.v1 import media_pb2, media_pb2_grpc

# The watchdog notices a stall first; the reader's own read timeout only frees its thread later.
# (FFmpeg's RTSP demuxer hands out a queued packet when a read times out, which would look like
# a fresh frame if both timeouts were equal.)
READ_TIMEOUT_MARGIN_S = 2.0


def worker_options(settings: IngestSettings, max_jpeg_bytes: int) -> WorkerOptions:
    return WorkerOptions(
        capture=CaptureOptions(
            max_fps=settings.ingest_max_fps,
            downscale_width=settings.ingest_downscale_width,
            jpeg_quality=settings.ingest_jpeg_quality,
            open_timeout_s=settings.ingest_open_timeout_s,
            read_timeout_s=settings.ingest_stall_timeout_s + READ_TIMEOUT_MARGIN_S,
            max_jpeg_bytes=max_jpeg_bytes,
            idle_after_s=settings.ingest_idle_after_s,
            detect=DetectOptions(
                max_side=settings.ingest_detect_max_side,
                warmup_s=settings.ingest_detect_warmup_s,
                recheck_s=settings.ingest_detect_recheck_s,
            ),
            motion=MotionOptions(
                frame_height=settings.ingest_motion_frame_height,
                threshold=settings.ingest_motion_threshold,
                contour_area=settings.ingest_motion_contour_area,
                frame_alpha=settings.ingest_motion_frame_alpha,
                lightning_fraction=settings.ingest_motion_lightning_fraction,
            ),
        ),
        allow_file_urls=settings.allow_file_urls,
        address_policy=settings.address_policy(),
        reconnect_initial_s=settings.ingest_reconnect_initial_s,
        reconnect_max_s=settings.ingest_reconnect_max_s,
        stall_timeout_s=settings.ingest_stall_timeout_s,
        status_interval_s=settings.ingest_status_interval_s,
    )


async def main() -> Runtime:
    settings = IngestSettings()
    async with service_runtime("ingest", settings) as runtime:
        publisher = Publisher(runtime.nc)
        # Its own JetStream context: a renewal gives up after one heartbeat, so a replica cut off
        # from NATS notices within the TTL (and gives its cameras up) instead of waiting 5 s a try.
        membership = Membership(
            runtime.nc.jetstream(timeout=settings.member_heartbeat_s),
            "ingest",
            ttl_s=settings.member_ttl_s,
            heartbeat_s=settings.member_heartbeat_s,
        )
        runtime.on_stop(membership.stop)  # last: leave once this replica's cameras are stopped
        supervisor = Supervisor(worker_options(settings, publisher.max_jpeg_bytes), publisher)
        runtime.on_stop(supervisor.close)
        metrics = start_metrics(settings.grpc_host, settings.ingest_metrics_port, supervisor.workers)
        if metrics is not None:
            runtime.on_stop(metrics.close)
        runtime.add_task(supervisor.watch(), name="ingest-watchdog")
        demand = await follow_demand(runtime.nc, supervisor.demand)
        runtime.on_stop(demand.unsubscribe)
        snapshots = await answer_snapshots(runtime.nc, supervisor.local)
        runtime.on_stop(snapshots.unsubscribe)
        feed = CameraFeed(runtime.js, supervisor, owns=membership.owns)
        membership.on_change(feed.reassess)
        await membership.start()
        await feed.start()
        runtime.on_stop(feed.stop)
        servicer = IngestServicer(
            supervisor,
            TokenVerifier(auth_service_key_fetcher(settings.auth_address, settings.grpc_tls())),
            feed=feed,
            nc=runtime.nc,
        )

        def add_servicers(server: grpc.aio.Server) -> list[str]:
            media_pb2_grpc.add_IngestServiceServicer_to_server(servicer, server)
            return [media_pb2.DESCRIPTOR.services_by_name["IngestService"].full_name]

        await runtime.serve(add_servicers, settings.ingest_grpc_port)
    return runtime


if __name__ == "__main__":
    run(main)
