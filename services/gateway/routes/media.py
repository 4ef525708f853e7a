"""Live media: MJPEG relays of raw and annotated frames, the snapshot, and the region editor page.

Streams relay NATS frames through the shared `FrameHub`; the camera's owner and the accounts it
is shared with (GetCamera answers for both) may watch; the region editor is the owner's only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from services.gateway.clients import Clients
from services.gateway.deps import BrowserCallerDep, Caller, CameraId, ClientsDep, SettingsDep
from services.gateway.hub import Frame, FrameHub, HubClosed
from services.gateway.labels import region_classes
from services.gateway.pages import render_page
from services.gateway.responses import AUTHENTICATED, errors
from visionflow import subjects
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.v1 import camera_pb2, media_pb2

log = logging.getLogger(__name__)
router = APIRouter(tags=["media"])

BOUNDARY = "frame"
MJPEG_MEDIA_TYPE = f"multipart/x-mixed-replace; boundary={BOUNDARY}"
MAX_FPS = 30.0
# An open stream re-checks that its camera is still the viewer's this often.
RECHECK_S = 10.0
NO_FRAME_YET = "No frame from this camera yet"
_STREAM_HEADERS = {
    "Cache-Control": "no-cache, no-store, must-revalidate",
    "Pragma": "no-cache",
    "X-Accel-Buffering": "no",
}
_FALLBACK_CODES = (ErrorCode.SERVICE_UNAVAILABLE, ErrorCode.RESOURCE_NOT_FOUND, ErrorCode.CAMERA_NOT_FOUND)


class MjpegResponse(StreamingResponse):
    """A streaming response that always closes its generator, so the viewer leaves the feed now.

    Starlette cancels the send loop on disconnect; a generator suspended at `yield` would
    otherwise be closed only when garbage collected.
    """

    media_type = MJPEG_MEDIA_TYPE

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            close = getattr(self.body_iterator, "aclose", None)
            if close is not None:
                await close()


def mjpeg_part(frame: Frame) -> bytes:
    """One part of the multipart stream; `X-Capture-Time` (ns) lets clients measure latency."""
    head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(frame.jpeg)}\r\n"
    if frame.capture_ns:
        head += f"X-Capture-Time: {frame.capture_ns}\r\n"
    return (head + "\r\n").encode() + frame.jpeg + b"\r\n"


async def owned_camera(clients: Clients, caller: Caller, camera_id: int) -> camera_pb2.Camera:
    """The caller's camera, or CAMERA_NOT_FOUND (also for another account's camera)."""
    request = camera_pb2.GetCameraRequest(camera_id=camera_id)
    return (await clients.rpc(clients.camera.GetCamera, request, token=caller.token)).camera


def frames_subject(kind: str, camera: camera_pb2.Camera) -> str:
    """Where the camera's `raw` or `annotated` frames are published (under its account)."""
    if kind == "raw":
        return subjects.frames_raw(camera.account_uuid, camera.id)
    return subjects.frames_annotated(camera.account_uuid, camera.id)


def _hub(clients: Clients) -> FrameHub:
    if clients.hub is None:
        raise VisionFlowError(ErrorCode.SERVICE_UNAVAILABLE, "Live video unavailable")
    return clients.hub


async def relay(
    hub: FrameHub,
    subject: str,
    idle_seconds: float,
    still_owned: Callable[[], Awaitable[bool]],
    max_fps: float = MAX_FPS,
    *,
    expires_at: float = 0.0,
    recheck_s: float = RECHECK_S,
    session_ended: Callable[[], bool] | None = None,
) -> AsyncIterator[bytes]:
    """MJPEG parts of the newest frames; ends when the camera goes away or the hub closes, when
    the viewer's token expires (`expires_at`, Unix time), or when a re-check (every `recheck_s`,
    whenever no frame came for `idle_seconds`, and at once when the feed is nudged because access
    to the camera changed) finds the camera no longer the viewer's, or when `session_ended` says
    the viewer's session was logged out (asked before every frame).

    A client disconnect cancels this generator (Starlette), which leaves the feed.
    """
    loop = asyncio.get_running_loop()
    min_interval = 1.0 / max_fps
    next_check = loop.time() + recheck_s
    try:
        async with hub.watch(subject) as slot:
            version = 0
            nudges = slot.nudges  # access changes (services/gateway/access.py) re-check at once
            while True:
                if expires_at and time.time() >= expires_at:
                    return  # the viewer's access token ran out: it must log in again
                if session_ended is not None and session_ended():
                    return  # the viewer's session was logged out (services/gateway/sessions.py)
                wait = min(idle_seconds, max(0.05, next_check - loop.time()))
                got = await slot.next(version, timeout=wait, nudges=nudges)
                if got is None or loop.time() >= next_check or slot.nudges != nudges:
                    nudges = slot.nudges
                    next_check = loop.time() + recheck_s
                    if not await still_owned():
                        return
                if got is None:
                    continue
                sent_at = loop.time()
                version, frame = got
                yield mjpeg_part(frame)
                pause = min_interval - (loop.time() - sent_at)
                if pause > 0:
                    await asyncio.sleep(pause)
    except HubClosed:
        return


async def _stream(
    kind: str, camera_id: int, caller: Caller, clients: Clients, idle_seconds: float
) -> MjpegResponse:
    camera = await owned_camera(clients, caller, camera_id)
    subject = frames_subject(kind, camera)

    async def still_owned() -> bool:
        try:
            await owned_camera(clients, caller, camera_id)
        except VisionFlowError as error:
            return error.code not in (ErrorCode.CAMERA_NOT_FOUND, ErrorCode.INVALID_TOKEN)
        return True

    log.info("stream start kind=%s camera_id=%s account=%s", kind, camera_id, caller.account_uuid)

    def session_ended() -> bool:
        return clients.sessions.ended(caller.principal)

    stream = relay(
        _hub(clients),
        subject,
        idle_seconds,
        still_owned,
        expires_at=caller.principal.expires_at,
        session_ended=session_ended,
    )
    return MjpegResponse(stream, headers=_STREAM_HEADERS)


@router.get(
    "/get_stream/{camera_id}",
    summary="MJPEG stream of the raw camera frames",
    response_class=MjpegResponse,
    responses={200: {"content": {MJPEG_MEDIA_TYPE: {}}}, **errors(*AUTHENTICATED)},
)
async def get_stream(
    camera_id: CameraId, caller: BrowserCallerDep, clients: ClientsDep, settings: SettingsDep
) -> MjpegResponse:
    return await _stream("raw", camera_id, caller, clients, settings.stream_idle_seconds)


@router.get(
    "/recognized_stream/{camera_id}",
    summary="MJPEG stream with detections and regions drawn",
    response_class=MjpegResponse,
    responses={200: {"content": {MJPEG_MEDIA_TYPE: {}}}, **errors(*AUTHENTICATED)},
)
async def recognized_stream(
    camera_id: CameraId, caller: BrowserCallerDep, clients: ClientsDep, settings: SettingsDep
) -> MjpegResponse:
    return await _stream("annotated", camera_id, caller, clients, settings.stream_idle_seconds)


async def snapshot_jpeg(
    clients: Clients, caller: Caller, camera: camera_pb2.Camera, wait_seconds: float
) -> bytes:
    """The newest frame: from the ingest service, else from the live feed within `wait_seconds`."""
    camera_id = camera.id
    try:
        request = media_pb2.GetSnapshotRequest(camera_id=camera_id)
        reply = await clients.rpc(clients.ingest.GetSnapshot, request, token=caller.token)
        if reply.jpeg:
            return reply.jpeg
    except VisionFlowError as error:
        if error.code not in _FALLBACK_CODES:
            raise
        log.debug("ingest has no snapshot camera_id=%s (%s); trying the live feed", camera_id, error.code)
    try:
        async with _hub(clients).watch(frames_subject("raw", camera)) as slot:
            got = await slot.next(0, timeout=wait_seconds)
    except HubClosed:
        got = None
    if got is None:
        raise VisionFlowError(ErrorCode.RESOURCE_NOT_FOUND, NO_FRAME_YET)
    return got[1].jpeg


@router.get(
    "/snapshot/{camera_id}.jpg",
    summary="The camera's current frame as JPEG",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}, **errors(*AUTHENTICATED)},
)
async def snapshot(
    camera_id: CameraId, caller: BrowserCallerDep, clients: ClientsDep, settings: SettingsDep
) -> Response:
    camera = await owned_camera(clients, caller, camera_id)
    jpeg = await snapshot_jpeg(clients, caller, camera, settings.snapshot_wait_seconds)
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.get(
    "/snapshot_ui/{camera_id}",
    response_class=HTMLResponse,
    summary="Snapshot with the saved regions and a polygon editor",
    responses=errors(*AUTHENTICATED),
)
async def snapshot_ui(
    camera_id: CameraId, request: Request, caller: BrowserCallerDep, clients: ClientsDep
) -> HTMLResponse:
    """The region editor; the classes it offers are the labels the camera's model detects."""
    camera = await owned_camera(clients, caller, camera_id)
    if camera.access == camera_pb2.CAMERA_ACCESS_VIEWER:  # a shared camera's regions are the owner's
        raise VisionFlowError(ErrorCode.INSUFFICIENT_PERMISSIONS, "無權限訪問此攝影機")
    classes = await region_classes(clients, camera.model_name)
    context = {
        "camera_id": camera.id or camera_id,
        "camera_name": camera.name,
        "width": camera.width or 640,
        "height": camera.height or 480,
        "classes": list(classes.names),
        "classes_source": classes.source,
    }
    return render_page(request, "snapshot_ui.html", context)
