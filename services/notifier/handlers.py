"""JetStream consumer of alert events: each AlertEvent becomes one notification (and its deliveries).

Durable pull consumer `notifier-alerts` on stream VF_EVENTS. A message is acked only after the
notification and its outbox rows are committed; creation is idempotent by event id, so a
redelivery (after a crash, or an ack lost on the way) never duplicates. Undecodable or invalid
events are terminated (logged), database errors are nak'ed for a later redelivery.

An alert is believed only for a camera the camera feed says belongs to the alert's account: a
forged AlertEvent for someone else's account (or for a camera that does not exist) is dropped,
and its camera name is the feed's, not the event's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import replace

import nats.errors
import nats.js.errors
from google.protobuf.message import DecodeError
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy.engine import Engine

from services.notifier import store, validation
from services.notifier.delivery import DeliveryWorker
from services.notifier.validation import NewNotification
from visionflow import subjects
from visionflow.camerafeed import JUST_CREATED_WAIT_S, CameraFeed
from visionflow.errors import VisionFlowError
from visionflow.v1 import events_pb2

log = logging.getLogger(__name__)

FETCH_BATCH = 16
FETCH_TIMEOUT_S = 1.0
NAK_DELAY_S = 5.0


def event_notification(event: events_pb2.AlertEvent, fallback_id: str) -> NewNotification:
    """Map an AlertEvent to a notification (validated like a CreateNotification request)."""
    where = f" in {event.region_name}" if event.region_name else ""
    camera = event.camera_name or f"camera {event.camera_id}"
    message = event.message or f"{event.class_name} detected{where} on {camera}"
    metadata = {
        "event_id": event.event_id or fallback_id,
        "region_id": event.region_id,
        "track_id": event.track_id,
        "dwell_seconds": event.dwell_seconds,
    }
    if event.HasField("capture_time"):
        metadata["capture_time"] = event.capture_time.ToJsonString()
    return validation.notification(
        camera_id=event.camera_id,
        camera_name=event.camera_name[: validation.MAX_LABEL_CHARS],
        message=message[: validation.MAX_MESSAGE_CHARS],
        image_path=event.snapshot_key,
        detection_type=event.class_name[:50],
        confidence=event.confidence,
        region_name=event.region_name[: validation.MAX_LABEL_CHARS],
        metadata_json=json.dumps(metadata),
        event_id=event.event_id or fallback_id,
    )


class AlertConsumer:
    def __init__(
        self,
        *,
        js: JetStreamContext,
        engine: Engine,
        worker: DeliveryWorker,
        cameras: CameraFeed,
        ack_wait_s: float = 30.0,
    ) -> None:
        self._js = js
        self._cameras = cameras
        self._ack_wait_s = ack_wait_s
        self._engine = engine
        self._worker = worker

    async def run(self) -> None:
        await self._follow_current_subjects()
        subscription = await self._js.pull_subscribe(
            subjects.ALERTS_ALL,
            durable=subjects.NOTIFIER_ALERTS_DURABLE,
            stream=subjects.EVENTS_STREAM,
            config=ConsumerConfig(
                ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL, ack_wait=self._ack_wait_s
            ),
        )
        log.info("consuming alerts durable=%s", subjects.NOTIFIER_ALERTS_DURABLE)
        try:
            while True:
                try:
                    messages = await subscription.fetch(FETCH_BATCH, timeout=FETCH_TIMEOUT_S)
                except TimeoutError:
                    # Nothing waiting: normal in a pull loop (nats-py raises both its own
                    # TimeoutError and the builtin one from fetch).
                    continue
                except (nats.errors.Error, OSError) as error:
                    log.warning("alert fetch failed: %r", error)
                    await asyncio.sleep(1.0)
                    continue
                for message in messages:
                    await self.handle(message)
        finally:
            # Unsubscribe before the connection drains: nats-py leaves timed-out fetch replies in
            # the pull subscription's queue, and draining it would wait for the drain timeout.
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()

    async def _follow_current_subjects(self) -> None:
        """Point a durable made by an older release (alerts on `vf.events.alert.*`) at today's
        alert subjects; JetStream keeps its place in the stream."""
        try:
            info = await self._js.consumer_info(subjects.EVENTS_STREAM, subjects.NOTIFIER_ALERTS_DURABLE)
        except nats.js.errors.NotFoundError:
            return
        if info.config.filter_subject in (None, "", subjects.ALERTS_ALL):
            return
        log.info("durable %s: filter %s -> %s", info.name, info.config.filter_subject, subjects.ALERTS_ALL)
        await self._js.add_consumer(
            subjects.EVENTS_STREAM, config=replace(info.config, filter_subject=subjects.ALERTS_ALL)
        )

    async def handle(self, message: Msg) -> None:
        sequence = message.metadata.sequence.stream
        try:
            event = events_pb2.AlertEvent.FromString(message.data)
        except DecodeError:
            log.warning("undecodable alert event dropped seq=%s", sequence)
            await message.term()
            return
        camera = await self._cameras.wait_for_camera(event.camera_id, JUST_CREATED_WAIT_S)
        # The subject's account (what NATS lets only the detector publish), the event's and the
        # camera feed's must all agree.
        if (
            camera is None
            or camera.account_uuid != event.account_uuid
            or not _subject_names(message.subject, event)
        ):
            log.warning(
                "alert for a camera that is not the account's dropped account=%s camera_id=%s event=%s",
                event.account_uuid,
                event.camera_id,
                event.event_id,
            )
            await message.term()
            return
        event.camera_name = camera.name
        try:
            if not event.account_uuid:
                raise validation.invalid("account_uuid is required")
            data = event_notification(event, fallback_id=f"jetstream-seq-{sequence}")
        except VisionFlowError as error:
            log.warning(
                "invalid alert event dropped account=%s camera_id=%s event=%s: %s",
                event.account_uuid,
                event.camera_id,
                event.event_id,
                error.message,
            )
            await message.term()
            return
        try:
            created = await asyncio.to_thread(
                store.create_notification,
                engine=self._engine,
                account_uuid=event.account_uuid,
                data=data,
                enqueue=event.notification_enabled,
            )
        except Exception:
            log.exception("storing alert failed account=%s event=%s", event.account_uuid, event.event_id)
            await message.nak(delay=NAK_DELAY_S)
            return
        await message.ack()
        log.info(
            "alert event account=%s camera_id=%s event=%s notification=%s new=%s deliveries=%s",
            event.account_uuid,
            event.camera_id,
            data.event_id,
            created.notification.id,
            created.created,
            len(created.delivery_ids),
        )
        if created.delivery_ids:
            self._worker.wake()


def _subject_names(subject: str, event: events_pb2.AlertEvent) -> bool:
    """Whether `vf.acct.<a>.alert.<id>` names the event's account and camera."""
    try:
        camera_id = subjects.camera_id_of(subject)
    except ValueError:
        return False
    return subjects.account_of(subject) == event.account_uuid and camera_id == event.camera_id
