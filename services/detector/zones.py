"""The zone engine: which tracked objects stayed long enough in which region. Pure, no I/O.

An object's position is its anchor, the bottom centre of its box. An object of one of a region's
classes whose anchor stays inside the region polygon for `alert_duration` seconds raises exactly
one alert for that (track, region). Time is the frames' capture time, never the wall clock. A gap
(missed frames, a brief step outside) no longer than the grace period does not break the dwell;
a longer absence ends it, and coming back starts a new dwell.

A new track id is a new object, except where it takes the place of one that was just there: a
track that appears in a region with its box overlapping (IoU >= SAME_OBJECT_IOU) the last box of
a dwell of the same class that ended (or went quiet) at most `same_object_seconds` ago continues
that dwell, alert included. A parked car or a person standing still whose track is lost and
found again therefore raises one alert, not one per track.

The same rule carries dwells across detector replicas: `open_dwells` is what a replica saves,
and `seed` makes a replica that takes the camera over treat those dwells as just ended, so a
person who stays through a failover keeps their dwell clock and alerts once.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Point = tuple[float, float]
Box = tuple[float, float, float, float]  # x1, y1, x2, y2

_EDGE_EPSILON = 1e-9
_CLOCK_JUMP_S = 60.0  # a capture time this far in the past means the source clock was reset
SAME_OBJECT_IOU = 0.5


def _on_segment(point: Point, start: Point, end: Point) -> bool:
    (px, py), (ax, ay), (bx, by) = point, start, end
    length = math.hypot(bx - ax, by - ay)
    if length == 0.0:
        return math.hypot(px - ax, py - ay) <= _EDGE_EPSILON
    distance = abs((bx - ax) * (py - ay) - (by - ay) * (px - ax)) / length
    if distance > _EDGE_EPSILON * max(1.0, length):
        return False
    return (
        min(ax, bx) - _EDGE_EPSILON <= px <= max(ax, bx) + _EDGE_EPSILON
        and min(ay, by) - _EDGE_EPSILON <= py <= max(ay, by) + _EDGE_EPSILON
    )


def point_in_polygon(point: Point, polygon: Sequence[Point]) -> bool:
    """True when `point` is inside `polygon` or on its boundary (any simple polygon, concave too).

    Even-odd ray casting towards +x, with an explicit on-edge test first so that points on an
    edge or a vertex count as inside.
    """
    count = len(polygon)
    if count < 3:
        return False
    px, py = point
    inside = False
    for index in range(count):
        start = polygon[index]
        end = polygon[(index + 1) % count]
        if _on_segment(point, start, end):
            return True
        (ax, ay), (bx, by) = start, end
        if (ay > py) != (by > py):  # half-open rule: each vertex is counted once
            crossing_x = ax + (py - ay) * (bx - ax) / (by - ay)
            if px < crossing_x:
                inside = not inside
    return inside


def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes (0 when either is empty)."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def anchor_of(box: Box) -> Point:
    """Bottom centre of a box: where the object stands."""
    x1, _, x2, y2 = box
    return ((x1 + x2) / 2.0, y2)


@dataclass(frozen=True)
class ZoneRule:
    """One region of a camera, as the engine needs it."""

    region_id: int
    name: str
    polygon: tuple[Point, ...]
    alert_duration: float
    classes: frozenset[str] = frozenset()  # expanded; empty = every class
    notification_enabled: bool = True

    def accepts(self, class_name: str) -> bool:
        return not self.classes or class_name.lower() in self.classes

    def contains(self, point: Point) -> bool:
        return point_in_polygon(point, self.polygon)


@dataclass(frozen=True)
class TrackedObject:
    """A detection with a confirmed track id (0 = unconfirmed, never used for zones)."""

    track_id: int
    class_name: str
    confidence: float
    box: Box


@dataclass(frozen=True)
class ZoneAlert:
    """A tracked object stayed `dwell_seconds` in a region (raised once per track and region)."""

    rule: ZoneRule
    track_id: int
    class_name: str
    confidence: float
    box: Box
    dwell_seconds: float
    timestamp: float  # capture time of the frame that completed the dwell, seconds
    entered_at: float  # capture time the dwell began (the same across a failover), seconds
    first_track_id: int = 0  # the track that began the dwell (kept when another continues it)


@dataclass(frozen=True)
class OpenDwell:
    """A dwell in progress, as saved for the replica that may take the camera over."""

    region_id: int
    class_name: str
    box: Box
    entered_at: float
    alerted: bool
    track_id: int = 0  # the track that began the dwell


@dataclass
class _Dwell:
    entered_at: float
    last_inside: float
    alerted: bool = False
    class_name: str = ""
    box: Box = (0.0, 0.0, 0.0, 0.0)
    track_id: int = 0  # the track that began it


class ZoneEngine:
    """Dwell state of one camera. `update` is called once per analysed frame, in capture order.

    `replace_rules` may come from another thread than `update` (live region changes): both hold
    a lock for the few microseconds they take.
    """

    def __init__(
        self, rules: Sequence[ZoneRule] = (), *, grace_seconds: float = 1.0, same_object_seconds: float = 0.0
    ) -> None:
        if grace_seconds < 0 or same_object_seconds < 0:
            raise ValueError("grace_seconds and same_object_seconds must be >= 0")
        self._rules: tuple[ZoneRule, ...] = tuple(rules)
        self._grace = grace_seconds
        self._same_object = same_object_seconds
        self._dwells: dict[tuple[int, int], _Dwell] = {}
        self._ended: list[tuple[int, _Dwell]] = []  # (region id, dwell) ended lately
        self._seeds: list[OpenDwell] = []  # from another replica, taken in at the next frame
        self._last_timestamp: float | None = None
        self._lock = threading.Lock()

    @property
    def rules(self) -> tuple[ZoneRule, ...]:
        return self._rules

    def replace_rules(self, rules: Sequence[ZoneRule]) -> None:
        """Use new regions from the next frame on.

        A dwell survives only in a region whose id and definition are unchanged; a changed or
        new region starts counting from scratch.
        """
        new_rules = tuple(rules)
        with self._lock:
            current = set(self._rules)
            unchanged = {rule.region_id for rule in new_rules if rule in current}
            self._dwells = {key: dwell for key, dwell in self._dwells.items() if key[1] in unchanged}
            self._ended = [(region, dwell) for region, dwell in self._ended if region in unchanged]
            self._rules = new_rules

    def seed(self, dwells: Iterable[OpenDwell]) -> None:
        """Dwells another replica had open: each continues for an object found where it was."""
        with self._lock:
            self._seeds.extend(dwells)

    def open_dwells(self) -> list[OpenDwell]:
        """The dwells in progress (for the replica that may take the camera over)."""
        with self._lock:
            return [
                OpenDwell(
                    key[1], dwell.class_name, dwell.box, dwell.entered_at, dwell.alerted, dwell.track_id
                )
                for key, dwell in sorted(self._dwells.items())
            ]

    def update(self, timestamp: float, objects: Iterable[TrackedObject]) -> list[ZoneAlert]:
        """Feed one frame (capture time in seconds); returns the alerts this frame completes."""
        with self._lock:
            if self._seeds:
                regions = {rule.region_id for rule in self._rules}
                for seed in self._seeds:
                    if seed.region_id in regions and seed.entered_at <= timestamp:
                        dwell = _Dwell(
                            seed.entered_at, timestamp, seed.alerted, seed.class_name, seed.box, seed.track_id
                        )
                        self._ended.append((seed.region_id, dwell))
                self._seeds = []
            if self._last_timestamp is not None and timestamp <= self._last_timestamp:
                if self._last_timestamp - timestamp < _CLOCK_JUMP_S:
                    return []  # an older or repeated frame: dwell time never runs backwards
                self._dwells.clear()  # the source's clock went back: start over
                self._ended.clear()
            self._last_timestamp = timestamp
            alerts = [alert for obj in objects if obj.track_id > 0 for alert in self._observe(timestamp, obj)]
            self._expire(timestamp)
            return alerts

    def _observe(self, timestamp: float, obj: TrackedObject) -> list[ZoneAlert]:
        alerts: list[ZoneAlert] = []
        anchor = anchor_of(obj.box)
        for rule in self._rules:
            if not rule.accepts(obj.class_name) or not rule.contains(anchor):
                continue
            key = (obj.track_id, rule.region_id)
            dwell = self._dwells.get(key)
            if dwell is None or timestamp - dwell.last_inside > self._grace:
                dwell = self._same_object_dwell(rule.region_id, obj, timestamp) or _Dwell(
                    entered_at=timestamp, last_inside=timestamp, track_id=obj.track_id
                )
                self._dwells[key] = dwell
            dwell.last_inside = timestamp
            dwell.class_name, dwell.box = obj.class_name, obj.box
            stayed = timestamp - dwell.entered_at
            if not dwell.alerted and stayed >= rule.alert_duration:
                dwell.alerted = True
                alerts.append(
                    ZoneAlert(
                        rule=rule,
                        track_id=obj.track_id,
                        class_name=obj.class_name,
                        confidence=obj.confidence,
                        box=obj.box,
                        dwell_seconds=stayed,
                        timestamp=timestamp,
                        entered_at=dwell.entered_at,
                        first_track_id=dwell.track_id,
                    )
                )
        return alerts

    def _same_object_dwell(self, region_id: int, obj: TrackedObject, timestamp: float) -> _Dwell | None:
        """The dwell of the object this new track replaces, taken over (None when there is none).

        Candidates: dwells in the region not seen in this frame (their track went quiet) and
        dwells that ended at most `same_object_seconds` ago; the best overlapping box wins.
        """
        if self._same_object <= 0:
            return None
        best: tuple[float, _Dwell, tuple[int, int] | int] | None = None
        horizon = timestamp - self._same_object
        for key, dwell in self._dwells.items():
            quiet = horizon <= dwell.last_inside < timestamp
            if key[1] == region_id and quiet and dwell.class_name == obj.class_name:
                iou = box_iou(dwell.box, obj.box)
                if iou >= SAME_OBJECT_IOU and (best is None or iou > best[0]):
                    best = (iou, dwell, key)
        for index, (region, dwell) in enumerate(self._ended):
            if region == region_id and dwell.last_inside >= horizon and dwell.class_name == obj.class_name:
                iou = box_iou(dwell.box, obj.box)
                if iou >= SAME_OBJECT_IOU and (best is None or iou > best[0]):
                    best = (iou, dwell, index)
        if best is None:
            return None
        _, dwell, where = best
        if isinstance(where, int):
            del self._ended[where]
        else:
            del self._dwells[where]
        return _Dwell(
            entered_at=dwell.entered_at, last_inside=timestamp, alerted=dwell.alerted, track_id=dwell.track_id
        )

    def _expire(self, timestamp: float) -> None:
        gone = [key for key, dwell in self._dwells.items() if timestamp - dwell.last_inside > self._grace]
        for key in gone:
            dwell = self._dwells.pop(key)
            if self._same_object > 0:
                self._ended.append((key[1], dwell))
        horizon = timestamp - self._same_object
        self._ended = [(region, dwell) for region, dwell in self._ended if dwell.last_inside >= horizon]

    def active_dwells(self) -> int:
        """How many (track, region) dwells are open (for stats and tests)."""
        with self._lock:
            return len(self._dwells)


def missing_classes(rules: Iterable[ZoneRule], model_classes: Iterable[str]) -> frozenset[str]:
    """Classes the regions ask for that the serving model can never produce."""
    available = {name.lower() for name in model_classes}
    wanted: set[str] = set()
    for rule in rules:
        wanted |= rule.classes
    return frozenset(wanted - available)
