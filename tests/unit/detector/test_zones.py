"""The zone engine: polygon containment, dwell timing on capture time, grace, one alert per stay."""

from __future__ import annotations

import threading

import pytest

from services.detector.dwells import decode_dwells, encode_dwells
from services.detector.zones import (
    OpenDwell,
    TrackedObject,
    ZoneEngine,
    ZoneRule,
    anchor_of,
    missing_classes,
    point_in_polygon,
)
from visionflow.vocabulary import expand_classes

SQUARE = ((0.0, 0.0), (100.0, 0.0), (100.0, 100.0), (0.0, 100.0))
# A "U" opening upwards: the notch x in (30, 70), y in [0, 60) is outside.
U_SHAPE = (
    (0.0, 0.0),
    (30.0, 0.0),
    (30.0, 60.0),
    (70.0, 60.0),
    (70.0, 0.0),
    (100.0, 0.0),
    (100.0, 100.0),
    (0.0, 100.0),
)


def rule(
    region_id: int = 1,
    *,
    polygon: tuple[tuple[float, float], ...] = SQUARE,
    duration: float = 2.0,
    classes: tuple[str, ...] = (),
    name: str = "Door",
) -> ZoneRule:
    return ZoneRule(region_id, name, polygon, duration, expand_classes(classes))


def person_at(track_id: int, x: float, y: float, class_name: str = "person") -> TrackedObject:
    """An object whose anchor (bottom centre) is at (x, y)."""
    return TrackedObject(track_id, class_name, 0.9, (x - 10.0, y - 40.0, x + 10.0, y))


def feed(engine: ZoneEngine, times: list[float], objects_at: object) -> list[tuple[float, int, int]]:
    """Run frames; `objects_at(t)` gives the objects; returns (time, track, region) per alert."""
    alerts = []
    for t in times:
        for alert in engine.update(t, objects_at(t)):  # type: ignore[operator]
            alerts.append((t, alert.track_id, alert.rule.region_id))
    return alerts


def frames(start: float, stop: float, fps: float = 5.0) -> list[float]:
    count = round((stop - start) * fps)
    return [round(start + i / fps, 6) for i in range(count + 1)]


@pytest.mark.parametrize(
    ("point", "inside"),
    [
        ((50, 50), True),
        ((0, 0), True),  # vertex
        ((100, 100), True),  # vertex
        ((0, 50), True),  # left edge
        ((100, 37.5), True),  # right edge
        ((50, 0), True),  # top edge
        ((50, 100), True),  # bottom edge
        ((100.0001, 50), False),
        ((-0.001, 50), False),
        ((150, 50), False),
        ((50, -1), False),
    ],
)
def test_square_contains_interior_and_boundary_only(point: tuple[float, float], inside: bool) -> None:
    assert point_in_polygon(point, SQUARE) is inside


@pytest.mark.parametrize(
    ("point", "inside"),
    [
        ((50, 30), False),  # inside the notch
        ((50, 59.9), False),
        ((50, 60), True),  # on the notch's bottom edge
        ((30, 30), True),  # on the notch's left edge
        ((15, 30), True),  # left arm
        ((85, 10), True),  # right arm
        ((50, 80), True),  # base
        ((30, 0), True),  # vertex at the top of the left arm
    ],
)
def test_concave_polygon_excludes_its_notch(point: tuple[float, float], inside: bool) -> None:
    assert point_in_polygon(point, U_SHAPE) is inside


def test_ray_through_vertex_counts_once() -> None:
    diamond = ((50.0, 0.0), (100.0, 50.0), (50.0, 100.0), (0.0, 50.0))
    assert point_in_polygon((10.0, 50.0), diamond)  # ray passes through vertex (100, 50)
    assert not point_in_polygon((-10.0, 50.0), diamond)
    assert not point_in_polygon((0.0, 0.0), diamond)


def test_degenerate_polygon_contains_nothing() -> None:
    assert not point_in_polygon((0.0, 0.0), ((0.0, 0.0), (1.0, 1.0)))


def test_anchor_is_bottom_centre() -> None:
    assert anchor_of((10.0, 20.0, 30.0, 80.0)) == (20.0, 80.0)


def test_anchor_decides_not_box_overlap() -> None:
    engine = ZoneEngine([rule(duration=0.0)])
    # Box overlaps the square, but its bottom centre is below it: no alert.
    outside = TrackedObject(1, "person", 0.9, (40.0, 50.0, 60.0, 140.0))
    assert engine.update(0.0, [outside]) == []
    inside = TrackedObject(2, "person", 0.9, (40.0, 50.0, 60.0, 90.0))
    assert [a.track_id for a in engine.update(0.2, [inside])] == [2]


def test_alert_after_duration_of_capture_time_exactly_once() -> None:
    engine = ZoneEngine([rule(duration=2.0)])
    alerts = feed(engine, frames(10.0, 20.0), lambda t: [person_at(7, 50, 50)])
    assert alerts == [(12.0, 7, 1)]


def test_alert_carries_dwell_and_frame_time() -> None:
    engine = ZoneEngine([rule(duration=1.5, name="Gate")])
    result = []
    for t in frames(100.0, 103.0, fps=2.0):
        result += engine.update(t, [person_at(3, 20, 20)])
    assert len(result) == 1
    alert = result[0]
    assert alert.timestamp == 101.5 and alert.dwell_seconds == pytest.approx(1.5)
    assert alert.rule.name == "Gate" and alert.class_name == "person" and alert.confidence == 0.9


def test_clock_is_capture_time_not_frame_count() -> None:
    # Two frames 3 s apart (e.g. a stalled stream) complete a 2 s dwell; 20 frames in 1 s do not.
    sparse = ZoneEngine([rule(duration=2.0)], grace_seconds=5.0)
    assert sparse.update(0.0, [person_at(1, 50, 50)]) == []
    assert len(sparse.update(3.0, [person_at(1, 50, 50)])) == 1
    dense = ZoneEngine([rule(duration=2.0)])
    assert feed(dense, frames(0.0, 1.0, fps=20.0), lambda t: [person_at(1, 50, 50)]) == []


def test_missed_frames_within_grace_keep_the_dwell() -> None:
    engine = ZoneEngine([rule(duration=3.0)], grace_seconds=1.0)
    # Seen 0..1.0, missed until 1.8 (0.8 s gap), seen again to 4.0.
    times = [t for t in frames(0.0, 4.0) if not 1.0 < t < 1.8]
    assert feed(engine, times, lambda t: [person_at(1, 50, 50)]) == [(3.0, 1, 1)]


def test_brief_exit_within_grace_keeps_the_dwell() -> None:
    engine = ZoneEngine([rule(duration=3.0)], grace_seconds=1.0)

    def where(t: float) -> list[TrackedObject]:
        return [person_at(1, 150 if 1.0 < t < 1.8 else 50, 50)]  # steps out for 0.6 s

    assert feed(engine, frames(0.0, 4.0), where) == [(3.0, 1, 1)]


def test_leaving_longer_than_grace_restarts_the_dwell() -> None:
    engine = ZoneEngine([rule(duration=2.0)], grace_seconds=1.0)

    def where(t: float) -> list[TrackedObject]:
        return [person_at(1, 150 if 1.5 < t < 3.0 else 50, 50)]  # inside 0..1.4, out 1.6..2.8, back at 3.0

    alerts = feed(engine, frames(0.0, 6.0), where)
    assert alerts == [(5.0, 1, 1)]  # 2 s after coming back, not at 2.0


def test_no_realert_while_staying_but_new_alert_after_leaving_and_returning() -> None:
    engine = ZoneEngine([rule(duration=1.0)], grace_seconds=0.5)

    def where(t: float) -> list[TrackedObject]:
        return [] if 5.0 < t < 7.0 else [person_at(4, 50, 50)]  # gone (not detected) 5.2..6.8

    alerts = feed(engine, frames(0.0, 10.0), where)
    assert alerts == [(1.0, 4, 1), (8.0, 4, 1)]


def test_track_id_switch_is_a_new_object() -> None:
    engine = ZoneEngine([rule(duration=2.0)], grace_seconds=1.0)

    def where(t: float) -> list[TrackedObject]:
        return [person_at(1 if t < 1.5 else 2, 50, 50)]  # same person, tracker switches id at 1.6

    alerts = feed(engine, frames(0.0, 5.0), where)
    assert alerts == [(3.6, 2, 1)]


def test_unconfirmed_track_never_alerts() -> None:
    engine = ZoneEngine([rule(duration=0.0)])
    assert feed(engine, frames(0.0, 3.0), lambda t: [person_at(0, 50, 50)]) == []


def test_each_region_and_each_track_alerts_once() -> None:
    left = rule(1, polygon=((0, 0), (60, 0), (60, 100), (0, 100)), duration=1.0)
    right = rule(2, polygon=((40, 0), (100, 0), (100, 100), (40, 100)), duration=1.0)
    engine = ZoneEngine([left, right])
    objects = [person_at(1, 50, 50), person_at(2, 90, 50)]  # track 1 in both, track 2 only right
    alerts = feed(engine, frames(0.0, 3.0), lambda t: objects)
    assert sorted((track, region) for _, track, region in alerts) == [(1, 1), (1, 2), (2, 2)]
    assert {t for t, _, _ in alerts} == {1.0}


def test_class_filter_and_vehicle_group() -> None:
    cars = rule(1, duration=0.0, classes=("Vehicle",))
    people = rule(2, duration=0.0, classes=("person",))
    everything = rule(3, duration=0.0)
    engine = ZoneEngine([cars, people, everything])
    objects = [
        person_at(1, 50, 50, "car"),
        person_at(2, 50, 50, "bicycle"),
        person_at(3, 50, 50, "person"),
        person_at(4, 50, 50, "dog"),
    ]
    hits = {(a.track_id, a.rule.region_id) for a in engine.update(0.0, objects)}
    assert hits == {(1, 1), (2, 1), (3, 2), (1, 3), (2, 3), (3, 3), (4, 3)}


def test_expand_classes_normalises_and_expands_vehicle() -> None:
    assert expand_classes([" Person ", "vehicle", ""]) == {
        "person",
        "car",
        "truck",
        "bus",
        "motorcycle",
        "bicycle",
    }
    assert expand_classes([]) == frozenset()


def test_missing_classes_names_what_the_model_cannot_produce() -> None:
    rules = [rule(1, classes=("vehicle",)), rule(2, classes=("person",)), rule(3)]
    assert missing_classes(rules, ["person"]) == {"car", "truck", "bus", "motorcycle", "bicycle"}
    assert missing_classes(rules, ["person", "car", "truck", "bus", "motorcycle", "bicycle"]) == set()


def test_older_or_repeated_frames_are_ignored() -> None:
    engine = ZoneEngine([rule(duration=1.0)])
    assert engine.update(10.0, [person_at(1, 50, 50)]) == []
    assert engine.update(9.0, [person_at(1, 50, 50)]) == []  # out of order
    assert engine.update(10.0, [person_at(1, 50, 50)]) == []  # repeated
    assert len(engine.update(11.0, [person_at(1, 50, 50)])) == 1


def test_source_clock_reset_starts_over() -> None:
    engine = ZoneEngine([rule(duration=1.0)])
    engine.update(1000.0, [person_at(1, 50, 50)])
    assert engine.update(10.0, [person_at(1, 50, 50)]) == []  # jumped back 990 s
    assert len(engine.update(11.0, [person_at(1, 50, 50)])) == 1


def test_replaced_rules_apply_from_next_frame() -> None:
    engine = ZoneEngine([rule(1, duration=2.0)])
    engine.update(0.0, [person_at(1, 50, 50)])
    engine.update(1.0, [person_at(1, 50, 50)])
    # Region 1 moves away from the person; region 2 (new) covers them.
    moved = rule(1, polygon=((200, 200), (300, 200), (300, 300)), duration=2.0)
    new = rule(2, duration=2.0)
    engine.replace_rules([moved, new])
    assert engine.rules == (moved, new)
    alerts = feed(engine, frames(1.2, 5.0), lambda t: [person_at(1, 50, 50)])
    assert alerts == [(3.2, 1, 2)]  # new region counts from the replacement, moved one never fires


def test_unchanged_region_keeps_its_dwell_across_replacement() -> None:
    door = rule(1, duration=2.0)
    engine = ZoneEngine([door])
    engine.update(0.0, [person_at(1, 50, 50)])
    engine.update(1.0, [person_at(1, 50, 50)])
    engine.replace_rules([door, rule(2, polygon=((500, 500), (600, 500), (600, 600)))])
    assert [a.rule.region_id for a in engine.update(2.0, [person_at(1, 50, 50)])] == [1]


def test_removed_rules_stop_alerts_and_forget_dwells() -> None:
    engine = ZoneEngine([rule(duration=1.0)])
    engine.update(0.0, [person_at(1, 50, 50)])
    assert engine.active_dwells() == 1
    engine.replace_rules([])
    assert engine.active_dwells() == 0
    assert feed(engine, frames(0.2, 3.0), lambda t: [person_at(1, 50, 50)]) == []


def test_changed_duration_restarts_that_region() -> None:
    engine = ZoneEngine([rule(1, duration=5.0)])
    feed(engine, frames(0.0, 3.0), lambda t: [person_at(1, 50, 50)])
    engine.replace_rules([rule(1, duration=1.0)])
    assert feed(engine, frames(3.2, 6.0), lambda t: [person_at(1, 50, 50)]) == [(4.2, 1, 1)]


def test_rules_replaced_from_another_thread_while_updating() -> None:
    engine = ZoneEngine([rule(1, duration=100.0)])
    stop = threading.Event()

    def churn() -> None:
        while not stop.is_set():
            engine.replace_rules([rule(1, duration=100.0), rule(2, duration=100.0)])
            engine.replace_rules([rule(1, duration=100.0)])

    worker = threading.Thread(target=churn)
    worker.start()
    region_one: list[float] = []
    try:
        for t in frames(0.0, 150.0, fps=10.0):
            region_one += [
                a.timestamp for a in engine.update(t, [person_at(1, 50, 50)]) if a.rule.region_id == 1
            ]
    finally:
        stop.set()
        worker.join()
    assert region_one == [100.0]  # the unchanged region kept its dwell through every replacement


def test_negative_grace_is_refused() -> None:
    with pytest.raises(ValueError, match="grace"):
        ZoneEngine([], grace_seconds=-1.0)


def same_object_engine(duration: float = 2.0) -> ZoneEngine:
    return ZoneEngine([rule(duration=duration)], grace_seconds=1.0, same_object_seconds=10.0)


PARKED = (20.0, 20.0, 60.0, 80.0)


def test_an_object_found_again_in_place_under_a_new_track_alerts_once() -> None:
    engine = same_object_engine()
    alerts = [
        a for t in (0.0, 1.0, 2.0, 3.0) for a in engine.update(t, [TrackedObject(1, "car", 0.9, PARKED)])
    ]
    assert len(alerts) == 1
    # Lost for 4 s (longer than the grace), then found again, a pixel off, as track 7.
    moved = (21.0, 20.0, 61.0, 81.0)
    for t in (7.0, 8.0, 9.0, 12.0):
        alerts += engine.update(t, [TrackedObject(7, "car", 0.9, moved)])
    assert len(alerts) == 1


def test_a_new_track_in_place_continues_the_dwell_it_replaces() -> None:
    engine = same_object_engine(duration=3.0)
    assert engine.update(0.0, [TrackedObject(1, "person", 0.9, PARKED)]) == []
    assert engine.update(1.5, [TrackedObject(1, "person", 0.9, PARKED)]) == []
    # The tracker switches ids at 2.0 s: the dwell that started at 0 goes on.
    assert engine.update(2.0, [TrackedObject(2, "person", 0.9, PARKED)]) == []
    [alert] = engine.update(3.0, [TrackedObject(2, "person", 0.9, PARKED)])
    assert alert.track_id == 2 and alert.dwell_seconds == pytest.approx(3.0)


def test_an_object_elsewhere_or_of_another_class_or_much_later_is_new() -> None:
    for later, box, name in (
        (3.0, (60.0, 20.0, 100.0, 80.0), "car"),  # no overlap
        (3.0, PARKED, "truck"),  # another class
        (20.0, PARKED, "car"),  # after same_object_seconds
    ):
        engine = same_object_engine(duration=1.0)
        first = engine.update(0.0, [TrackedObject(1, "car", 0.9, PARKED)]) + engine.update(
            1.0, [TrackedObject(1, "car", 0.9, PARKED)]
        )
        assert len(first) == 1
        again = engine.update(later, [TrackedObject(9, name, 0.9, box)]) + engine.update(
            later + 1.0, [TrackedObject(9, name, 0.9, box)]
        )
        assert len(again) == 1, (later, box, name)


def test_same_object_memory_is_off_by_default() -> None:
    engine = ZoneEngine([rule(duration=1.0)], grace_seconds=1.0)
    alerts = [a for t in (0.0, 1.0) for a in engine.update(t, [TrackedObject(1, "car", 0.9, PARKED)])]
    alerts += [a for t in (5.0, 6.0) for a in engine.update(t, [TrackedObject(2, "car", 0.9, PARKED)])]
    assert len(alerts) == 2


def test_a_dwell_handed_to_another_replica_continues_there() -> None:
    old = same_object_engine(duration=5.0)
    for t in (100.0, 101.0, 102.0):
        assert old.update(t, [TrackedObject(3, "person", 0.9, PARKED)]) == []
    [saved] = old.open_dwells()
    assert (saved.region_id, saved.entered_at, saved.alerted, saved.track_id) == (1, 100.0, False, 3)
    # The record survives the trip through KV; the new owner sees the person 2 s later, as track 1.
    record = encode_dwells(old.open_dwells(), saved_at=1000.0)
    new = same_object_engine(duration=5.0)
    new.seed(decode_dwells(record, now=1003.0, max_age_s=30.0))
    assert new.update(104.0, [TrackedObject(1, "person", 0.9, PARKED)]) == []
    # The dwell started at 100, not 104: the alert is due at 105, not at 109.
    [alert] = new.update(105.5, [TrackedObject(1, "person", 0.9, PARKED)])
    assert alert.entered_at == 100.0 and alert.first_track_id == 3
    assert alert.track_id == 1 and alert.dwell_seconds == pytest.approx(5.5)


def test_an_alerted_dwell_handed_over_does_not_alert_again() -> None:
    new = same_object_engine(duration=1.0)
    new.seed([OpenDwell(1, "person", PARKED, entered_at=50.0, alerted=True, track_id=4)])
    alerts = [a for t in (60.0, 61.0, 65.0) for a in new.update(t, [TrackedObject(9, "person", 0.9, PARKED)])]
    assert alerts == []
    # Someone else, elsewhere in the zone, is a new dwell and alerts.
    other = (70.0, 10.0, 95.0, 60.0)
    alerts = [a for t in (66.0, 67.5) for a in new.update(t, [TrackedObject(10, "person", 0.9, other)])]
    assert len(alerts) == 1


def test_stale_or_unreadable_dwell_records_are_ignored() -> None:
    record = encode_dwells([OpenDwell(1, "car", PARKED, 1.0, True, 2)], saved_at=1000.0)
    assert decode_dwells(record, now=1010.0, max_age_s=30.0) == [OpenDwell(1, "car", PARKED, 1.0, True, 2)]
    assert decode_dwells(record, now=1031.0, max_age_s=30.0) == []
    assert decode_dwells(b"not json", now=0.0, max_age_s=30.0) == []
    assert decode_dwells(b'{"v": 99, "saved_at": 0, "dwells": []}', now=0.0, max_age_s=30.0) == []
