"""Camera store over SQLite and PostgreSQL: CRUD, regions, status reports, account isolation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine

from services.camera import store
from services.camera.models import CameraPatch, CameraSpec, CameraStatus, RegionSpec, StatusUpdate
from visionflow.db import create_db_engine

ALICE = str(uuid.uuid4())
BOB = str(uuid.uuid4())


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url, retries=3, delay=0.2)
    store.create_tables(engine)
    yield engine
    engine.dispose()


def spec(name: str = "Front door") -> CameraSpec:
    return CameraSpec(
        name=name,
        stream_url="rtsp://user:pw@cam.local:554/stream",
        recognition=True,
        location="lobby",
        model_name="yolo_v11_detect",
    )


def square(name: str = "door", size: float = 100.0, classes: tuple[str, ...] = ()) -> RegionSpec:
    return RegionSpec(
        name=name,
        coordinates=((0.0, 0.0), (size, 0.0), (size, size), (0.0, size)),
        alert_duration=2.5,
        notification_enabled=False,
        detection_classes=classes,
    )


def test_create_camera_starts_connecting_with_its_regions(engine: Engine) -> None:
    camera = store.create_camera(
        engine=engine,
        account_uuid=ALICE,
        camera=spec(),
        regions=[square("a", classes=("person",)), square("b")],
    )
    assert camera.id > 0
    assert camera.account_uuid == ALICE
    assert camera.status is CameraStatus.CONNECTING
    assert camera.created_at == camera.updated_at
    assert camera.last_active is None
    assert (camera.width, camera.height) == (0, 0)
    assert [r.name for r in camera.regions] == ["a", "b"]
    assert camera.regions[0].coordinates == ((0.0, 0.0), (100.0, 0.0), (100.0, 100.0), (0.0, 100.0))
    assert camera.regions[0].detection_classes == ("person",)
    assert camera.regions[0].alert_duration == 2.5
    assert camera.regions[0].notification_enabled is False
    assert store.get_camera(engine=engine, account_uuid=ALICE, camera_id=camera.id) == camera


def test_foreign_camera_is_invisible_and_unchanged(engine: Engine) -> None:
    camera = store.create_camera(engine=engine, account_uuid=ALICE, camera=spec(), regions=[square()])
    assert store.get_camera(engine=engine, account_uuid=BOB, camera_id=camera.id) is None
    assert store.list_cameras(engine=engine, account_uuid=BOB) == []
    patch = CameraPatch(name="stolen")
    assert store.update_camera(engine=engine, account_uuid=BOB, camera_id=camera.id, patch=patch) is None
    assert store.replace_regions(engine=engine, account_uuid=BOB, camera_id=camera.id, regions=[]) is None
    assert store.delete_regions(engine=engine, account_uuid=BOB, camera_id=camera.id) is None
    assert store.delete_camera(engine=engine, account_uuid=BOB, camera_id=camera.id) is False
    assert store.get_camera(engine=engine, account_uuid=ALICE, camera_id=camera.id) == camera
    assert store.camera_exists(engine=engine, camera_id=camera.id)


def test_list_cameras_returns_only_own_in_id_order(engine: Engine) -> None:
    first = store.create_camera(engine=engine, account_uuid=ALICE, camera=spec("one"))
    store.create_camera(engine=engine, account_uuid=BOB, camera=spec("bob's"))
    second = store.create_camera(engine=engine, account_uuid=ALICE, camera=spec("two"), regions=[square()])
    listed = store.list_cameras(engine=engine, account_uuid=ALICE)
    assert [c.id for c in listed] == [first.id, second.id]
    assert [len(c.regions) for c in listed] == [0, 1]
    assert len(store.list_all_cameras(engine=engine)) == 3


def test_update_changes_only_given_fields(engine: Engine) -> None:
    camera = store.create_camera(engine=engine, account_uuid=ALICE, camera=spec(), regions=[square()])
    updated = store.update_camera(
        engine=engine,
        account_uuid=ALICE,
        camera_id=camera.id,
        patch=CameraPatch(name="Back door", recognition=False),
    )
    assert updated is not None
    assert (updated.name, updated.recognition) == ("Back door", False)
    assert (updated.stream_url, updated.location, updated.model_name) == (
        camera.stream_url,
        camera.location,
        camera.model_name,
    )
    assert updated.updated_at >= camera.updated_at
    assert updated.regions == camera.regions


def test_replace_regions_swaps_all_of_them(engine: Engine) -> None:
    camera = store.create_camera(engine=engine, account_uuid=ALICE, camera=spec(), regions=[square("old")])
    replaced = store.replace_regions(
        engine=engine,
        account_uuid=ALICE,
        camera_id=camera.id,
        regions=[square("new1"), square("new2", 50, ("vehicle",))],
    )
    assert replaced is not None
    assert [r.name for r in replaced.regions] == ["new1", "new2"]
    assert replaced.regions[1].detection_classes == ("vehicle",)
    assert camera.regions[0].id not in {r.id for r in replaced.regions}
    reloaded = store.get_camera(engine=engine, account_uuid=ALICE, camera_id=camera.id)
    assert reloaded is not None and reloaded.regions == replaced.regions


def test_delete_regions_counts_and_leaves_camera(engine: Engine) -> None:
    camera = store.create_camera(
        engine=engine, account_uuid=ALICE, camera=spec(), regions=[square(), square()]
    )
    assert store.delete_regions(engine=engine, account_uuid=ALICE, camera_id=camera.id) == 2
    assert store.delete_regions(engine=engine, account_uuid=ALICE, camera_id=camera.id) == 0
    reloaded = store.get_camera(engine=engine, account_uuid=ALICE, camera_id=camera.id)
    assert reloaded is not None and reloaded.regions == ()


def test_delete_camera_removes_its_regions_and_ids_are_not_reused(engine: Engine) -> None:
    other = store.create_camera(engine=engine, account_uuid=ALICE, camera=spec("keep"), regions=[square()])
    camera = store.create_camera(engine=engine, account_uuid=ALICE, camera=spec(), regions=[square()])
    assert store.delete_camera(engine=engine, account_uuid=ALICE, camera_id=camera.id) is True
    assert store.get_camera(engine=engine, account_uuid=ALICE, camera_id=camera.id) is None
    assert not store.camera_exists(engine=engine, camera_id=camera.id)
    assert store.delete_camera(engine=engine, account_uuid=ALICE, camera_id=camera.id) is False
    kept = store.get_camera(engine=engine, account_uuid=ALICE, camera_id=other.id)
    assert kept is not None and len(kept.regions) == 1
    again = store.create_camera(engine=engine, account_uuid=BOB, camera=spec())
    assert again.id > camera.id


def test_status_reports_apply_only_when_account_matches(engine: Engine) -> None:
    camera = store.create_camera(engine=engine, account_uuid=ALICE, camera=spec())
    seen = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    forged = StatusUpdate(camera.id, BOB, CameraStatus.ERROR, "forged", 1, 1, seen)
    missing = StatusUpdate(camera.id + 1000, ALICE, CameraStatus.ONLINE, "", 1, 1, seen)
    assert store.apply_statuses(engine=engine, updates=[forged, missing]) == 0
    assert store.get_camera(engine=engine, account_uuid=ALICE, camera_id=camera.id) == camera

    online = StatusUpdate(camera.id, ALICE, CameraStatus.ONLINE, "", 1920, 1080, seen)
    assert store.apply_statuses(engine=engine, updates=[online]) == 1
    stored = store.get_camera(engine=engine, account_uuid=ALICE, camera_id=camera.id)
    assert stored is not None
    assert (stored.status, stored.width, stored.height, stored.last_active) == (
        CameraStatus.ONLINE,
        1920,
        1080,
        seen,
    )
    assert stored.updated_at == camera.updated_at  # status is not a config change


def test_status_report_without_size_or_state_keeps_stored_values(engine: Engine) -> None:
    camera = store.create_camera(engine=engine, account_uuid=ALICE, camera=spec())
    seen = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    store.apply_statuses(
        engine=engine, updates=[StatusUpdate(camera.id, ALICE, CameraStatus.ONLINE, "", 640, 360, seen)]
    )
    store.apply_statuses(
        engine=engine, updates=[StatusUpdate(camera.id, ALICE, None, "stream stalled", 0, 0, None)]
    )
    stored = store.get_camera(engine=engine, account_uuid=ALICE, camera_id=camera.id)
    assert stored is not None
    assert (stored.status, stored.status_reason) == (CameraStatus.ONLINE, "stream stalled")
    assert (stored.width, stored.height, stored.last_active) == (640, 360, seen)


def test_create_tables_is_idempotent(engine: Engine) -> None:
    store.create_tables(engine)
    assert store.list_all_cameras(engine=engine) == []


def test_detect_settings_are_stored_and_patched(engine: Engine) -> None:
    camera = store.create_camera(
        engine=engine,
        account_uuid=ALICE,
        camera=CameraSpec(
            name="Gate",
            stream_url="rtsp://cam/main",
            recognition=True,
            location="",
            model_name="yolo_v11_detect",
            detect_fps=2.5,
            detect_stream_url="rtsp://cam/sub",
        ),
    )
    assert (camera.detect_fps, camera.detect_stream_url) == (2.5, "rtsp://cam/sub")
    patched = store.update_camera(
        engine=engine, account_uuid=ALICE, camera_id=camera.id, patch=CameraPatch(detect_stream_url="")
    )
    assert patched is not None and (patched.detect_fps, patched.detect_stream_url) == (2.5, "")
    assert (
        store.update_camera(
            engine=engine, account_uuid=BOB, camera_id=camera.id, patch=CameraPatch(detect_fps=9.0)
        )
        is None
    )
    again = store.get_camera(engine=engine, account_uuid=ALICE, camera_id=camera.id)
    assert again is not None and again.detect_fps == 2.5


def test_an_older_status_report_never_overwrites_a_newer_one(engine: Engine) -> None:
    camera = store.create_camera(engine=engine, account_uuid=ALICE, camera=spec())
    early, late = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC), datetime(2026, 1, 1, 12, 0, 5, tzinfo=UTC)
    # The new ingest replica reports online; the dying one's last "offline" arrives after it.
    online = StatusUpdate(camera.id, ALICE, CameraStatus.ONLINE, "", 640, 480, late, observed_at=late)
    offline = StatusUpdate(camera.id, ALICE, CameraStatus.OFFLINE, "gone", 0, 0, None, observed_at=early)
    assert store.apply_statuses(engine=engine, updates=[online]) == 1
    assert store.apply_statuses(engine=engine, updates=[offline]) == 0
    stored = store.get_camera(engine=engine, account_uuid=ALICE, camera_id=camera.id)
    assert stored is not None and stored.status == CameraStatus.ONLINE


def test_every_change_raises_the_revision(engine: Engine) -> None:
    camera = store.create_camera(engine=engine, account_uuid=ALICE, camera=spec())
    assert camera.revision == 1
    patched = store.update_camera(
        engine=engine, account_uuid=ALICE, camera_id=camera.id, patch=CameraPatch(name="Gate")
    )
    assert patched is not None and patched.revision == 2
    regions = store.replace_regions(engine=engine, account_uuid=ALICE, camera_id=camera.id, regions=[])
    assert regions is not None and regions.revision == 3
    store.delete_regions(engine=engine, account_uuid=ALICE, camera_id=camera.id)
    status = StatusUpdate(camera.id, ALICE, CameraStatus.ONLINE, "", 1, 1, None)
    store.apply_statuses(engine=engine, updates=[status])  # status is not a change of the camera
    stored = store.get_camera(engine=engine, account_uuid=ALICE, camera_id=camera.id)
    assert stored is not None and stored.revision == 4
