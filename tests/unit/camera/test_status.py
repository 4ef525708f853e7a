"""Parsing of CameraStatus reports from ingest, and the throttled batch writer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

from nats.aio.msg import Msg

from services.camera.models import CameraStatus, StatusUpdate
from services.camera.status import StatusRecorder, parse_status
from visionflow import subjects
from visionflow.v1 import camera_pb2, events_pb2

ACCOUNT = "0d7a2cbb-55a4-4c8b-9f67-7a0c1e52d2f1"


def report(camera_id: int, **fields: Any) -> bytes:
    return events_pb2.CameraStatus(camera_id=camera_id, account_uuid=ACCOUNT, **fields).SerializeToString()


def test_report_becomes_a_status_update() -> None:
    seen = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    update = parse_status(
        subjects.camera_status(ACCOUNT, 7),
        report(7, state=camera_pb2.CAMERA_STATE_ONLINE, width=640, height=480, last_frame_at=seen),
    )
    assert update == StatusUpdate(7, ACCOUNT, CameraStatus.ONLINE, "", 640, 480, seen)


def test_unspecified_state_keeps_the_stored_one() -> None:
    update = parse_status(subjects.camera_status(ACCOUNT, 7), report(7, reason="probing"))
    assert update is not None and update.status is None and update.last_active is None


def test_malformed_or_mismatched_reports_are_dropped() -> None:
    assert parse_status(subjects.camera_status(ACCOUNT, 7), b"\xff\xff\xff") is None
    assert parse_status(subjects.camera_status(ACCOUNT, 7), report(8)) is None  # id differs from the subject
    assert parse_status(f"vf.acct.{ACCOUNT}.status.abc", report(7)) is None
    # The subject's account is the one NATS lets publish there: a report naming another is dropped.
    assert parse_status(subjects.camera_status("9d2c5d0e-0000-4000-8000-000000000000", 7), report(7)) is None
    no_account = events_pb2.CameraStatus(camera_id=7).SerializeToString()
    assert parse_status(subjects.camera_status(ACCOUNT, 7), no_account) is None


async def test_reports_are_coalesced_and_a_failed_write_is_retried() -> None:
    batches: list[list[StatusUpdate]] = []
    failures = [RuntimeError("database down")]

    async def write(updates: Sequence[StatusUpdate]) -> int:
        if failures:
            raise failures.pop()
        batches.append(list(updates))
        return len(updates)

    recorder = StatusRecorder(write=write, interval=0.01)
    for state in (camera_pb2.CAMERA_STATE_CONNECTING, camera_pb2.CAMERA_STATE_ONLINE):
        msg = SimpleNamespace(subject=subjects.camera_status(ACCOUNT, 3), data=report(3, state=state))
        await recorder.on_message(cast(Msg, msg))
    await recorder.flush()  # fails; the report is kept
    assert batches == []
    await recorder.flush()
    assert [[u.status for u in batch] for batch in batches] == [[CameraStatus.ONLINE]]
