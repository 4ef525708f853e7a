"""Per-camera detection settings shared by the gateway and the services: one home for the limits.

`detect_fps` is how many frames per second of a camera are analysed (motion, and inference where
there is motion). A camera is never analysed faster than its own frame rate: ingest takes at most
every frame the stream delivers, so a higher setting simply means "every frame".
"""

from __future__ import annotations

DEFAULT_DETECT_FPS = 5.0
MIN_DETECT_FPS = 0.1
MAX_DETECT_FPS = 30.0

# The camera fields a partial update (REST PATCH, gRPC UpdateCamera) may change.
UPDATABLE_FIELDS = (
    "name",
    "stream_url",
    "recognition",
    "location",
    "model_name",
    "detect_fps",
    "detect_stream_url",
)
