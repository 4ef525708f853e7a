"""The status consumer: CameraStatus from ingest (core NATS) persisted as status and last_active.

Reports are coalesced per camera and account (latest wins) and written in batches at most once
per flush interval, so a busy ingest never turns into one database write per message. A report
only changes a camera whose id and account both match, and never one whose stored status was
observed later. Camera replicas share the reports in the queue group `camera-status`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from google.protobuf.message import DecodeError
from nats.aio.msg import Msg

from services.camera.messages import from_timestamp, status_of_state
from services.camera.models import StatusUpdate
from visionflow import subjects
from visionflow.v1 import events_pb2

log = logging.getLogger(__name__)

Writer = Callable[[Sequence[StatusUpdate]], Awaitable[int]]


def parse_status(subject: str, data: bytes) -> StatusUpdate | None:
    """A StatusUpdate from one message, or None when it is malformed."""
    report = events_pb2.CameraStatus()
    try:
        report.ParseFromString(data)
        subject_id = subjects.camera_id_of(subject)
    except (DecodeError, ValueError, IndexError):
        return None
    camera_id = report.camera_id or subject_id
    # The account in the subject is what NATS permissions vouch for; the report must agree.
    if (
        camera_id != subject_id
        or not report.account_uuid
        or report.account_uuid != subjects.account_of(subject)
    ):
        return None
    return StatusUpdate(
        camera_id=camera_id,
        account_uuid=report.account_uuid,
        status=status_of_state(report.state),
        reason=report.reason,
        width=max(report.width, 0),
        height=max(report.height, 0),
        last_active=from_timestamp(report.last_frame_at) if report.HasField("last_frame_at") else None,
        observed_at=from_timestamp(report.observed_at) if report.HasField("observed_at") else None,
    )


class StatusRecorder:
    """Collects status reports and writes them in throttled batches."""

    def __init__(self, *, write: Writer, interval: float) -> None:
        self._write = write
        self._interval = interval
        self._pending: dict[tuple[int, str], StatusUpdate] = {}
        self._wake = asyncio.Event()
        self._flush_lock = asyncio.Lock()

    async def on_message(self, msg: Msg) -> None:
        update = parse_status(msg.subject, msg.data)
        if update is None:
            log.warning("ignoring malformed camera status on %s", msg.subject)
            return
        self._pending[(update.camera_id, update.account_uuid)] = update
        self._wake.set()

    async def flush(self) -> None:
        """Write what is pending; on failure keep it (unless a newer report came) for the next try."""
        async with self._flush_lock:
            if not self._pending:
                return
            batch, self._pending = self._pending, {}
            try:
                changed = await self._write(list(batch.values()))
            except Exception:
                log.exception("camera status write failed; will retry reports=%s", len(batch))
                for key, update in batch.items():
                    self._pending.setdefault(key, update)
                return
            log.debug("camera status written reports=%s changed=%s", len(batch), changed)

    async def run(self) -> None:
        """Background loop: flush when reports arrive, at most once per interval."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.flush()
            if self._pending:
                self._wake.set()
            await asyncio.sleep(self._interval)
