"""Share storage over SQLite and PostgreSQL: grant, duplicate, quota, revoke, expiry, isolation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from services.camera import shares, store
from services.camera.models import CameraSpec, ShareSpec
from visionflow.db import create_db_engine, utcnow
from visionflow.errors import ErrorCode, VisionFlowError

ALICE = str(uuid.uuid4())
BOB = str(uuid.uuid4())
CAROL = str(uuid.uuid4())


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url, retries=3, delay=0.2)
    store.create_tables(engine)
    yield engine
    engine.dispose()


def _camera(engine: Engine, owner: str = ALICE) -> int:
    spec = CameraSpec(
        name="Door", stream_url="rtsp://u:pw@cam/s", recognition=True, location="", model_name="m"
    )
    return store.create_camera(engine=engine, account_uuid=owner, camera=spec).id


def _share(engine: Engine, camera_id: int, grantee: str = BOB, **fields: object) -> shares.Share | None:
    spec = ShareSpec(grantee_account_uuid=grantee, grantee_username="bob", **fields)  # type: ignore[arg-type]
    return shares.create_share(
        engine=engine,
        owner_account_uuid=ALICE,
        owner_username="alice",
        camera_id=camera_id,
        spec=spec,
        max_shares=2,
    )


def test_a_share_is_listed_for_both_sides_and_travels_with_the_camera(engine: Engine) -> None:
    camera_id = _camera(engine)
    before = store.load_camera(engine=engine, camera_id=camera_id)
    share = _share(engine, camera_id, include_past_notifications=True)
    assert share is not None and share.include_past_notifications and share.expires_at is None
    assert shares.list_shares(engine=engine, owner_account_uuid=ALICE, camera_id=camera_id) == [share]
    assert shares.shared_with(engine=engine, account_uuid=BOB) == [share]
    assert shares.viewer_share(engine=engine, account_uuid=BOB, camera_id=camera_id) == share
    loaded = store.load_camera(engine=engine, camera_id=camera_id)
    assert before is not None and loaded is not None
    assert loaded.shares == (share,) and loaded.revision > before.revision  # republished
    # The grantee's "my cameras" stay its own.
    assert store.list_cameras(engine=engine, account_uuid=BOB) == []


def test_others_see_and_touch_nothing(engine: Engine) -> None:
    camera_id = _camera(engine)
    share = _share(engine, camera_id)
    assert share is not None
    assert shares.list_shares(engine=engine, owner_account_uuid=BOB, camera_id=camera_id) == []
    assert shares.shared_with(engine=engine, account_uuid=CAROL) == []
    assert shares.viewer_share(engine=engine, account_uuid=CAROL, camera_id=camera_id) is None
    for who in (BOB, CAROL):
        assert (
            shares.revoke_share(engine=engine, owner_account_uuid=who, camera_id=camera_id, share_id=share.id)
            is None
        )
    # Not the owner's camera: nothing is stored.
    spec = ShareSpec(grantee_account_uuid=CAROL, grantee_username="carol")
    refused = shares.create_share(
        engine=engine,
        owner_account_uuid=BOB,
        owner_username="bob",
        camera_id=camera_id,
        spec=spec,
        max_shares=5,
    )
    assert refused is None
    assert shares.viewer_share(engine=engine, account_uuid=CAROL, camera_id=camera_id) is None


def test_duplicates_and_the_quota_are_refused_without_storing(engine: Engine) -> None:
    camera_id = _camera(engine)
    assert _share(engine, camera_id) is not None
    with pytest.raises(VisionFlowError) as duplicate:
        _share(engine, camera_id)
    assert duplicate.value.code is ErrorCode.CONFLICT
    assert _share(engine, camera_id, grantee=CAROL) is not None
    with pytest.raises(VisionFlowError) as over:
        _share(engine, camera_id, grantee=str(uuid.uuid4()))
    assert over.value.code is ErrorCode.VALIDATION_ERROR and "limit of 2" in over.value.message
    assert len(shares.list_shares(engine=engine, owner_account_uuid=ALICE, camera_id=camera_id)) == 2


def test_revoke_expiry_and_camera_deletion_end_shares(engine: Engine) -> None:
    camera_id = _camera(engine)
    share = _share(engine, camera_id)
    assert share is not None
    revoked = shares.revoke_share(
        engine=engine, owner_account_uuid=ALICE, camera_id=camera_id, share_id=share.id
    )
    assert revoked == share
    assert shares.viewer_share(engine=engine, account_uuid=BOB, camera_id=camera_id) is None

    soon = _share(engine, camera_id, expires_at=utcnow() + timedelta(hours=1))
    assert soon is not None
    assert shares.expire_shares(engine=engine) == []
    later = utcnow() + timedelta(hours=2)
    assert shares.expire_shares(engine=engine, now=later) == [soon]
    assert shares.list_shares(engine=engine, owner_account_uuid=ALICE, camera_id=camera_id) == []
    # An expired share not yet swept already counts for nothing, and a new grant replaces it.
    assert _share(engine, camera_id, expires_at=utcnow() - timedelta(seconds=1)) is not None
    assert shares.viewer_share(engine=engine, account_uuid=BOB, camera_id=camera_id) is None
    assert shares.list_shares(engine=engine, owner_account_uuid=ALICE, camera_id=camera_id) == []
    assert _share(engine, camera_id) is not None
    assert _share(engine, camera_id, grantee=CAROL) is not None
    assert store.delete_camera(engine=engine, account_uuid=ALICE, camera_id=camera_id)
    assert shares.shared_with(engine=engine, account_uuid=CAROL) == []
