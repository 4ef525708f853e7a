"""The one follower of the camera feed (JetStream stream VF_CAMERAS), for ingest and the detector.

VF_CAMERAS keeps the last CameraChanged per camera subject. An ephemeral ordered consumer with
DeliverPolicy LAST_PER_SUBJECT replays every camera's current state at start (a deleted camera's
last message is its DELETED) and then delivers live changes in order; ordered consumers recreate
themselves after a gap or a reconnect.

The feed remembers every camera (so an account check or a takeover needs no round trip) and hands
a handler only the cameras this replica owns, as `owns` says (see visionflow/membership.py):
`apply` for each change of an owned camera, `release` when ownership moves elsewhere. After the
owner list changes, `reassess` starts what became ours and releases what did not stay ours.
Handler calls never overlap and keep stream order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from google.protobuf.message import DecodeError
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy

from visionflow import subjects
from visionflow.v1 import camera_pb2, events_pb2

log = logging.getLogger(__name__)

# How long to wait for a camera unknown to this replica's feed: one created a moment ago may not
# have reached it yet.
JUST_CREATED_WAIT_S = 2.0


class CameraHandler(Protocol):
    async def apply(self, change: events_pb2.CameraChanged) -> None:
        """Bring one owned camera in line with its change (DELETED included)."""

    async def release(self, camera_id: int) -> None:
        """Stop working on a camera that now belongs to another replica (it still exists)."""


def _owns_everything(_camera_id: int) -> bool:
    return True


class _Remember:
    """The handler of a feed that only answers questions (which account owns a camera)."""

    async def apply(self, change: events_pb2.CameraChanged) -> None:
        return None

    async def release(self, camera_id: int) -> None:
        return None


class CameraFeed:
    """Every camera's current definition, and the owned ones handed to a handler."""

    def __init__(
        self,
        js: JetStreamContext,
        handler: CameraHandler | None = None,
        owns: Callable[[int], bool] | None = None,
    ) -> None:
        self._js = js
        self._handler: CameraHandler = handler or _Remember()
        self._owns = owns or _owns_everything
        self._synced = asyncio.Event()
        self._changed = asyncio.Condition()
        self._cameras: dict[int, events_pb2.CameraChanged] = {}
        self._handed: set[int] = set()
        self._lock = asyncio.Lock()
        self._subscription: JetStreamContext.PushSubscription | None = None

    async def start(self) -> None:
        self._subscription = await self._js.subscribe(
            subjects.CAMERA_CHANGED_ALL,
            stream=subjects.CAMERAS_STREAM,
            cb=self._on_message,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.LAST_PER_SUBJECT,
        )
        info = await self._subscription.consumer_info()
        if info.num_pending == 0 and self._subscription.delivered == 0:
            self._synced.set()  # an empty feed: nothing to replay

    async def wait_synced(self, timeout: float) -> bool:
        """Until the current state of every camera has been replayed (False on timeout)."""
        try:
            async with asyncio.timeout(timeout):
                await self._synced.wait()
        except TimeoutError:
            return False
        return True

    async def wait_for_camera(self, camera_id: int, timeout: float) -> camera_pb2.Camera | None:
        """The camera, waiting up to `timeout` for a change that is on its way (just created)."""
        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: self.camera(camera_id) is not None)
        except TimeoutError:
            pass
        return self.camera(camera_id)

    async def stop(self) -> None:
        if self._subscription is not None:
            try:
                await self._subscription.unsubscribe()
            except Exception as error:  # noqa: BLE001 - closed or reconnecting connection
                log.debug("camera feed unsubscribe failed: %s", error)
            self._subscription = None

    def camera(self, camera_id: int) -> camera_pb2.Camera | None:
        """The camera's current definition (owned here or not); None when unknown or deleted."""
        change = self._cameras.get(camera_id)
        return change.camera if change is not None else None

    def account_of(self, camera_id: int) -> str | None:
        camera = self.camera(camera_id)
        return camera.account_uuid if camera is not None else None

    def shared_with(
        self, account_uuid: str, now_s: float
    ) -> list[tuple[camera_pb2.Camera, camera_pb2.CameraGrant]]:
        """The cameras with an active grant to `account_uuid` (at Unix time `now_s`), and the grant."""
        found: list[tuple[camera_pb2.Camera, camera_pb2.CameraGrant]] = []
        for change in self._cameras.values():
            for grant in change.camera.grants:
                expires = grant.expires_at.seconds if grant.HasField("expires_at") else 0
                if grant.grantee_account_uuid == account_uuid and (not expires or expires > now_s):
                    found.append((change.camera, grant))
        return found

    def owned(self) -> frozenset[int]:
        """The cameras handed to the handler right now."""
        return frozenset(self._handed)

    async def _on_message(self, msg: Msg) -> None:
        try:
            await self._take(msg)
        finally:
            if msg.metadata.num_pending == 0:
                self._synced.set()
            async with self._changed:
                self._changed.notify_all()

    async def _take(self, msg: Msg) -> None:
        change = events_pb2.CameraChanged()
        try:
            change.ParseFromString(msg.data)
        except DecodeError:
            log.warning("undecodable CameraChanged on %s ignored", msg.subject)
            return
        if change.camera.id <= 0:
            # A delete may name its camera by subject only; anything else without an id is broken.
            if change.kind != events_pb2.CHANGE_KIND_DELETED or not msg.subject.rsplit(".", 1)[-1].isdigit():
                log.warning("CameraChanged without a camera id on %s ignored", msg.subject)
                return
            change.camera.id = subjects.camera_id_of(msg.subject)
        await self.receive(change)

    async def receive(self, change: events_pb2.CameraChanged) -> None:
        """Take one change in (the stream's callback; tests may call it directly)."""
        camera_id = change.camera.id
        async with self._lock:
            if change.kind == events_pb2.CHANGE_KIND_DELETED:
                self._cameras.pop(camera_id, None)
                if camera_id in self._handed:
                    self._handed.discard(camera_id)
                    await self._call(self._handler.apply(change), camera_id)
                return
            self._cameras[camera_id] = change
            if self._owns(camera_id):
                self._handed.add(camera_id)
                await self._call(self._handler.apply(change), camera_id)
            elif camera_id in self._handed:
                self._handed.discard(camera_id)
                await self._call(self._handler.release(camera_id), camera_id)

    async def reassess(self) -> None:
        """Ownership may have moved: release what is no longer ours, then start what became ours."""
        async with self._lock:
            for camera_id in sorted(self._handed):
                if camera_id not in self._cameras or not self._owns(camera_id):
                    self._handed.discard(camera_id)
                    await self._call(self._handler.release(camera_id), camera_id)
            for camera_id, change in sorted(self._cameras.items()):
                if camera_id not in self._handed and self._owns(camera_id):
                    self._handed.add(camera_id)
                    await self._call(self._handler.apply(change), camera_id)

    async def _call(self, step: Awaitable[None], camera_id: int) -> None:
        try:
            await step
        except Exception:
            log.exception("camera change failed camera_id=%s", camera_id)
