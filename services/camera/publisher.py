"""CameraChanged publishing: every camera's current state on `vf.camera.changed.<id>`.

The stream VF_CAMERAS keeps the last message per subject, so consumers that replay it see the
truth. Each publish re-reads the camera after the change is committed and carries its revision
(`Vf-Revision`, +1 in the database per change); it is published only over an older revision,
with JetStream's compare-and-set on the subject's last sequence, so two replicas racing (or a
slow one) can never leave an older state as the last message. A failed publish is
remembered and retried in the background; on start `reconcile` republishes every camera and
marks as deleted any camera the stream still shows but the database no longer has.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

import nats.errors
from google.protobuf.message import DecodeError
from nats.js import JetStreamContext
from nats.js.api import Header
from nats.js.errors import BadRequestError, NotFoundError
from sqlalchemy.exc import SQLAlchemyError

from services.camera.messages import changed_message
from services.camera.models import Camera
from visionflow import bus, snapshots, subjects
from visionflow.v1 import events_pb2

log = logging.getLogger(__name__)

Loader = Callable[[int], Awaitable[Camera | None]]
_LOCK_STRIPES = 64
_PUBLISH_ERRORS = (nats.errors.Error, asyncio.TimeoutError, OSError)
_CAS_ATTEMPTS = 10
_WRONG_LAST_SEQUENCE = 10071  # JetStream: Nats-Expected-Last-Subject-Sequence did not hold


class CameraPublisher:
    """Publishes protobuf CameraChanged to JetStream, retrying what failed."""

    def __init__(
        self,
        *,
        js: JetStreamContext,
        load: Loader,
        retry_interval: float = 2.0,
        layout: bus.BusLayout | None = None,
    ) -> None:
        self._js = js
        self._layout = layout
        self._load = load
        self._retry_interval = retry_interval
        self._locks = [asyncio.Lock() for _ in range(_LOCK_STRIPES)]
        self._pending: dict[int, str] = {}  # camera id -> account uuid, still to publish
        self._purges: set[asyncio.Task[None]] = set()

    def purge_snapshots(self, camera_id: int, account_uuid: str) -> None:
        """Delete a deleted camera's alert pictures, in the background (the RPC does not wait)."""

        async def purge() -> None:
            try:
                removed = await snapshots.purge_camera(self._js, account_uuid, camera_id)
            except Exception as error:  # noqa: BLE001 - the bucket's TTL removes them later
                log.warning("purging snapshots of camera_id=%s failed: %r", camera_id, error)
                return
            log.info(
                "purged %s snapshots of deleted camera_id=%s account=%s", removed, camera_id, account_uuid
            )

        task = asyncio.create_task(purge(), name=f"purge-snapshots:{camera_id}")
        self._purges.add(task)
        task.add_done_callback(self._purges.discard)

    @property
    def pending(self) -> dict[int, str]:
        return dict(self._pending)

    async def publish(self, kind: events_pb2.ChangeKind, *, camera_id: int, account_uuid: str) -> bool:
        """Publish the camera's current state (DELETED when it is gone); False if NATS failed."""
        async with self._locks[camera_id % _LOCK_STRIPES]:
            try:
                camera = await self._load(camera_id)
            except SQLAlchemyError as error:
                log.warning("camera not loaded for publishing camera_id=%s: %r", camera_id, error)
                self._pending[camera_id] = account_uuid
                return False
            if camera is not None and kind == events_pb2.CHANGE_KIND_DELETED:
                kind = events_pb2.CHANGE_KIND_UPDATED
            message = changed_message(kind, camera, camera_id=camera_id, account_uuid=account_uuid)
            revision = camera.revision if camera is not None else None
            return await self._send(
                message, camera_id=camera_id, account_uuid=account_uuid, revision=revision
            )

    async def _send(
        self, message: events_pb2.CameraChanged, *, camera_id: int, account_uuid: str, revision: int | None
    ) -> bool:
        """Publish unless the stream already holds this revision or a newer one (None: a delete,
        newer than anything). Compare-and-set on the subject's last sequence, so of two replicas
        publishing at once the older state can never end up last."""
        subject = subjects.camera_changed(camera_id)
        try:
            for _ in range(_CAS_ATTEMPTS):
                last_seq, last_revision = await self._last(subject)
                if revision is not None and last_revision >= revision:
                    break  # this state, or a newer one, is already the camera's last message
                headers = {
                    subjects.HDR_REVISION: str(revision if revision is not None else last_revision + 1),
                    Header.EXPECTED_LAST_SUBJECT_SEQUENCE: str(last_seq),
                }
                try:
                    await self._js.publish(subject, message.SerializeToString(), headers=headers)
                    break
                except BadRequestError as error:
                    if error.err_code != _WRONG_LAST_SEQUENCE:
                        raise
                    # Another replica published in between: look again.
            else:
                raise nats.errors.Error(f"camera_id={camera_id}: the stream kept changing")
        except (*_PUBLISH_ERRORS, BadRequestError) as error:
            log.warning(
                "camera change not published, will retry camera_id=%s account=%s: %r",
                camera_id,
                account_uuid,
                error,
            )
            self._pending[camera_id] = account_uuid
            return False
        self._pending.pop(camera_id, None)
        return True

    async def _last(self, subject: str) -> tuple[int, int]:
        """The subject's last stream sequence and the revision it carries (0, 0 when none)."""
        try:
            last = await self._js.get_last_msg(subjects.CAMERAS_STREAM, subject)
        except NotFoundError:
            return 0, 0
        revision = (last.headers or {}).get(subjects.HDR_REVISION, "0")
        return int(last.seq or 0), int(revision) if str(revision).isdigit() else 0

    async def reconcile(self, cameras: Sequence[Camera]) -> None:
        """Republish every camera; mark cameras the stream knows but the database lacks as deleted.

        Call it before serving RPCs: it publishes the given records as they are.
        """
        for camera in cameras:
            async with self._locks[camera.id % _LOCK_STRIPES]:
                message = changed_message(
                    events_pb2.CHANGE_KIND_UPDATED,
                    camera,
                    camera_id=camera.id,
                    account_uuid=camera.account_uuid,
                )
                await self._send(
                    message, camera_id=camera.id, account_uuid=camera.account_uuid, revision=camera.revision
                )
        try:
            await self._delete_stale({camera.id for camera in cameras})
        except _PUBLISH_ERRORS as error:
            log.warning("could not check the camera stream for deleted cameras: %r", error)
        log.info("republished cameras=%s pending=%s", len(cameras), len(self._pending))

    async def _delete_stale(self, known_ids: set[int]) -> None:
        info = await self._js.stream_info(
            subjects.CAMERAS_STREAM, subjects_filter=subjects.CAMERA_CHANGED_ALL
        )
        for subject in sorted((info.state.subjects or {}).keys()):
            try:
                camera_id = subjects.camera_id_of(subject)
            except ValueError:
                continue
            if camera_id in known_ids:
                continue
            last = await self._js.get_last_msg(subjects.CAMERAS_STREAM, subject)
            previous = events_pb2.CameraChanged()
            try:
                previous.ParseFromString(last.data or b"")
            except DecodeError:
                log.warning("undecodable camera change on %s; marking deleted", subject)
            if previous.kind == events_pb2.CHANGE_KIND_DELETED:
                continue
            await self.publish(
                events_pb2.CHANGE_KIND_DELETED, camera_id=camera_id, account_uuid=previous.camera.account_uuid
            )

    async def retry_forever(self) -> None:
        """Background loop: republish cameras whose last publish failed."""
        while True:
            await asyncio.sleep(self._retry_interval)
            if not self._pending:
                continue
            try:
                await bus.ensure_streams(self._js, self._layout)
            except _PUBLISH_ERRORS as error:
                log.warning("camera stream not available yet: %r", error)
                continue
            for camera_id, account_uuid in list(self._pending.items()):
                await self.publish(
                    events_pb2.CHANGE_KIND_UPDATED, camera_id=camera_id, account_uuid=account_uuid
                )
