"""Prometheus metrics of the detector, on their own registry and `/metrics` HTTP server."""

from __future__ import annotations

import logging
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

log = logging.getLogger(__name__)


class DetectorMetrics:
    """Counters per camera and inference timings per model."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.frames_in = Counter(
            "vf_detector_frames_in", "Frames received", ["camera_id"], registry=self.registry
        )
        self.frames_out = Counter(
            "vf_detector_frames_out", "Frames analysed and published", ["camera_id"], registry=self.registry
        )
        self.frames_dropped = Counter(
            "vf_detector_frames_dropped",
            "Frames replaced by a newer one before analysis, stale or undecodable",
            ["camera_id"],
            registry=self.registry,
        )
        self.alerts = Counter("vf_detector_alerts", "Alerts raised", ["camera_id"], registry=self.registry)
        self.alert_failures = Counter(
            "vf_detector_alert_failures", "Alerts that could not be delivered", registry=self.registry
        )
        self.inference_seconds = Histogram(
            "vf_detector_inference_seconds",
            "Time of one batched predict",
            ["model"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "vf_detector_batch_size",
            "Frames per batched predict",
            ["model"],
            buckets=(1, 2, 4, 8, 16, 32, 64),
            registry=self.registry,
        )
        self.cameras = Gauge("vf_detector_cameras", "Cameras with recognition on", registry=self.registry)
        self._server: WSGIServer | None = None

    def serve(self, host: str, port: int) -> int | None:
        """Start `/metrics` (port 0: a free port, -1: off); returns the bound port."""
        if port < 0:
            return None
        server, _thread = start_http_server(port, addr=host, registry=self.registry)
        self._server = server
        bound = int(server.server_port)
        log.info("metrics on http://%s:%s/metrics", host, bound)
        return bound

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
