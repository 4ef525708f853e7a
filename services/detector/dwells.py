"""Open dwells of each analysed camera, kept in JetStream KV for the replica that takes it over.

Key `camera.<id>` in bucket `vf-dwells` holds a small JSON record of the camera's dwells in
progress (region, class, last box, capture time the dwell began, alerted or not). The owner
writes it when the dwells change and refreshes it every `refresh_s` while any is open; the
bucket's max age drops the record of a camera nobody analyses any more. A replica that takes a
camera over (visionflow/membership.py) seeds its zone engine with the record, so a person who
stays in a zone through a failover keeps their dwell clock and raises one alert, not two. A
dwell is saved as alerted only once JetStream acknowledged its alert: a replica killed before
that leaves the dwell unalerted, and the next owner raises the alert (with the same event id).

Writes happen in one background task (the batcher only notes the latest state) and stop by an
event; a lost write costs at most a second alert, never a missed one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time

from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from services.detector.zones import OpenDwell
from visionflow import bus, subjects

log = logging.getLogger(__name__)

_VERSION = 1


def dwells_key(camera_id: int) -> str:
    return f"camera.{camera_id}"


def encode_dwells(dwells: list[OpenDwell], saved_at: float) -> bytes:
    return json.dumps(
        {
            "v": _VERSION,
            "saved_at": saved_at,
            "dwells": [
                {
                    "region_id": d.region_id,
                    "class_name": d.class_name,
                    "box": list(d.box),
                    "entered_at": d.entered_at,
                    "alerted": d.alerted,
                    "track_id": d.track_id,
                }
                for d in dwells
            ],
        }
    ).encode()


def decode_dwells(data: bytes, *, now: float, max_age_s: float) -> list[OpenDwell]:
    """The dwells of a record (empty when it is too old, of another version, or unreadable)."""
    try:
        record = json.loads(data)
        if record.get("v") != _VERSION or now - float(record["saved_at"]) > max_age_s:
            return []
        return [
            OpenDwell(
                region_id=int(item["region_id"]),
                class_name=str(item["class_name"]),
                box=(
                    float(item["box"][0]),
                    float(item["box"][1]),
                    float(item["box"][2]),
                    float(item["box"][3]),
                ),
                entered_at=float(item["entered_at"]),
                alerted=bool(item["alerted"]),
                track_id=int(item.get("track_id", 0)),
            )
            for item in record["dwells"]
        ]
    except (ValueError, KeyError, TypeError, IndexError) as error:
        log.warning("unreadable dwell record ignored: %s", error)
        return []


def _shape(dwells: list[OpenDwell]) -> tuple[tuple[int, str, float, bool], ...]:
    return tuple((d.region_id, d.class_name, d.entered_at, d.alerted) for d in dwells)


class DwellStore:
    """Saves and loads the open dwells of the cameras this replica analyses."""

    def __init__(self, js: JetStreamContext, *, ttl_s: float = 30.0, refresh_s: float = 2.0) -> None:
        self._js = js
        self._ttl = ttl_s
        self._refresh = refresh_s
        self._kv: KeyValue | None = None
        self._latest: dict[int, list[OpenDwell]] = {}
        self._written: dict[int, tuple[tuple[int, str, float, bool], ...]] = {}
        self._written_at: dict[int, float] = {}
        self._dirty: set[int] = set()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def _bucket(self) -> KeyValue:
        return await bus.key_value(
            self._js,
            KeyValueConfig(bucket=subjects.DWELLS_BUCKET, history=1, ttl=self._ttl, storage=StorageType.FILE),
        )

    async def start(self) -> None:
        self._kv = await self._bucket()
        self._task = asyncio.create_task(self._run(), name="dwell-store")

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    def note(self, camera_id: int, dwells: list[OpenDwell]) -> None:
        """The camera's dwells after a frame (cheap; the writer task saves when needed)."""
        shape = _shape(dwells)
        written = self._written.get(camera_id, ())
        stale = time.monotonic() - self._written_at.get(camera_id, 0.0) >= self._refresh
        if shape != written or (dwells and stale):
            self._latest[camera_id] = dwells
            self._dirty.add(camera_id)
            self._wake.set()

    def forget(self, camera_id: int) -> None:
        """Another replica analyses the camera now: stop writing its record."""
        self._dirty.discard(camera_id)
        self._latest.pop(camera_id, None)
        self._written.pop(camera_id, None)
        self._written_at.pop(camera_id, None)

    async def delete(self, camera_id: int) -> None:
        """The camera's dwells ended for good (camera deleted, recognition off)."""
        self.forget(camera_id)
        if self._kv is None:
            return
        try:
            await self._kv.delete(dwells_key(camera_id))
        except Exception as error:  # noqa: BLE001 - the record then ages out
            log.debug("deleting dwells of camera_id=%s failed: %s", camera_id, error)

    async def load(self, camera_id: int) -> list[OpenDwell]:
        """The dwells the camera's previous owner left (empty when none are fresh)."""
        if self._kv is None:
            return []
        try:
            entry = await self._kv.get(dwells_key(camera_id))
        except KeyNotFoundError:
            return []
        except Exception as error:  # noqa: BLE001 - start without them
            log.warning("loading dwells of camera_id=%s failed: %s", camera_id, error)
            return []
        dwells = decode_dwells(entry.value or b"", now=time.time(), max_age_s=self._ttl)
        if dwells:
            log.info("camera_id=%s taken over with %s open dwells", camera_id, len(dwells))
        return dwells

    async def _run(self) -> None:
        while not self._stopping.is_set():
            await self._wake.wait()
            self._wake.clear()
            for camera_id in sorted(self._dirty):
                self._dirty.discard(camera_id)
                dwells = self._latest.pop(camera_id, None)
                if dwells is not None:
                    await self._write(camera_id, dwells)

    async def _write(self, camera_id: int, dwells: list[OpenDwell]) -> None:
        if self._kv is None:
            return
        try:
            if dwells:
                await self._kv.put(dwells_key(camera_id), encode_dwells(dwells, time.time()))
            else:
                await self._kv.delete(dwells_key(camera_id))
        except Exception as error:  # noqa: BLE001 - disconnected: the next frame notes it again
            log.debug("saving dwells of camera_id=%s failed: %s", camera_id, error)
            with contextlib.suppress(Exception):  # a NATS that lost its store: declare it again
                self._kv = await self._bucket()
            return
        self._written[camera_id] = _shape(dwells)
        self._written_at[camera_id] = time.monotonic()
