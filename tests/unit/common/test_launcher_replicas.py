"""`make run` with VF_INGEST_REPLICAS / VF_DETECTOR_REPLICAS: that many processes, each its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from visionflow.launcher import build_processes


def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("VF_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("VF_NATS_URL", "nats://127.0.0.1:1")  # no bundled NATS needed here


def test_replicas_get_their_own_id_port_and_log(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _clean_env(monkeypatch)
    monkeypatch.setenv("VF_INGEST_REPLICAS", "2")
    monkeypatch.setenv("VF_DETECTOR_REPLICAS", "3")
    processes, env = build_processes(tmp_path, 5999)
    names = [p.name for p in processes]
    assert names == [
        "auth",
        "camera",
        "notifier",
        "ingest-1",
        "ingest-2",
        "detector-1",
        "detector-2",
        "detector-3",
        "gateway",
    ]
    replicas = {p.name: p for p in processes}
    assert {p.env["VF_REPLICA_ID"] for p in processes if p.name.startswith("detector")} == {
        "detector-1",
        "detector-2",
        "detector-3",
    }
    # The gateway's address points at the first replica; the others take free ports.
    assert replicas["ingest-1"].env["VF_INGEST_GRPC_PORT"] == env["VF_INGEST_ADDRESS"].rsplit(":", 1)[1]
    ports = {replicas[n].env["VF_DETECTOR_GRPC_PORT"] for n in ("detector-1", "detector-2", "detector-3")}
    assert len(ports) == 3
    assert replicas["ingest-2"].env["VF_INGEST_METRICS_PORT"] == "0"
    assert len({p.log_path for p in processes}) == len(processes)
    assert "VF_REPLICA_ID" not in replicas["gateway"].env


def test_one_replica_by_default_and_bad_counts_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _clean_env(monkeypatch)
    names = [p.name for p in build_processes(tmp_path, 5999)[0]]
    assert names == ["auth", "camera", "notifier", "ingest", "detector", "gateway"]
    for bad in ("0", "two", "-1", "99"):
        monkeypatch.setenv("VF_DETECTOR_REPLICAS", bad)
        with pytest.raises(SystemExit, match="VF_DETECTOR_REPLICAS must be a whole number"):
            build_processes(tmp_path, 5999)
