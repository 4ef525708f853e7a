"""Prometheus `/metrics` for ingest: per-camera counters and gauges, read at scrape time.

A collector reads the workers' `CameraStats` when Prometheus scrapes, so a deleted camera's
series disappear with it and the capture path keeps no second set of counters.
Port from `VF_INGEST_METRICS_PORT`: 0 binds a free port, -1 turns the endpoint off.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from wsgiref.simple_server import WSGIServer

from prometheus_client import start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from services.ingest.worker import CameraWorker, state_name
from visionflow.v1 import camera_pb2

log = logging.getLogger(__name__)

_STATES = (
    camera_pb2.CAMERA_STATE_CONNECTING,
    camera_pb2.CAMERA_STATE_ONLINE,
    camera_pb2.CAMERA_STATE_OFFLINE,
    camera_pb2.CAMERA_STATE_ERROR,
)


class IngestCollector(Collector):
    """Builds the metric families from the current workers on every scrape."""

    def __init__(self, workers: Callable[[], list[CameraWorker]]) -> None:
        self._workers = workers

    def collect(self) -> Iterator[Metric]:
        labels = ["camera_id"]
        counters = {
            "frames_decoded": CounterMetricFamily(
                "vf_ingest_frames_decoded", "Frames decoded from the camera", labels=labels
            ),
            "frames_published": CounterMetricFamily(
                "vf_ingest_frames_published", "JPEG frames published on NATS", labels=labels
            ),
            "detect_published": CounterMetricFamily(
                "vf_ingest_detect_frames_published", "Detect frames (and ticks) published", labels=labels
            ),
            "detect_inference": CounterMetricFamily(
                "vf_ingest_detect_frames_inference", "Detect frames sent for inference", labels=labels
            ),
            "frames_unused": CounterMetricFamily(
                "vf_ingest_frames_unused", "Frames decoded but not needed", labels=labels
            ),
            "frames_dropped": CounterMetricFamily(
                "vf_ingest_frames_dropped", "Frames made but not published", labels=labels
            ),
            "reconnects": CounterMetricFamily("vf_ingest_reconnects", "Stream reconnects", labels=labels),
        }
        gauges = {
            "fps_in": GaugeMetricFamily("vf_ingest_fps_in", "Decoded frames per second", labels=labels),
            "fps_out": GaugeMetricFamily("vf_ingest_fps_out", "Published frames per second", labels=labels),
            "decode_ms": GaugeMetricFamily("vf_ingest_decode_ms", "Mean decode time", labels=labels),
            "encode_ms": GaugeMetricFamily("vf_ingest_encode_ms", "Mean JPEG encode time", labels=labels),
            "motion_ms": GaugeMetricFamily(
                "vf_ingest_motion_ms", "Mean motion detection + detect frame time", labels=labels
            ),
        }
        state = GaugeMetricFamily(
            "vf_ingest_camera_state", "1 for the camera's current state", labels=["camera_id", "state"]
        )
        workers = self._workers()
        for worker in workers:
            camera = str(worker.camera_id)
            for name, family in counters.items():
                family.add_metric([camera], getattr(worker.stats, name))
            for name, gauge in gauges.items():
                gauge.add_metric([camera], getattr(worker.stats, name))
            for value in _STATES:
                state.add_metric([camera, state_name(value)], 1.0 if worker.state == value else 0.0)
        yield GaugeMetricFamily("vf_ingest_cameras", "Cameras ingest is running", value=len(workers))
        yield from counters.values()
        yield from gauges.values()
        yield state


class MetricsServer:
    """The `/metrics` HTTP endpoint (a prometheus_client server thread)."""

    def __init__(self, server: WSGIServer, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(2)


def start_metrics(host: str, port: int, workers: Callable[[], list[CameraWorker]]) -> MetricsServer | None:
    """Serve `/metrics` on host:port (0: a free port, -1: off); logs the bound address."""
    if port < 0:
        log.info("metrics endpoint off")
        return None
    registry = CollectorRegistry()
    registry.register(IngestCollector(workers))
    server, thread = start_http_server(port, addr=host, registry=registry)
    metrics = MetricsServer(server, thread)
    log.info("metrics listening address=%s:%s", host, metrics.port)
    return metrics
