"""deploy/k8s is consistent: every listed file exists, every service runs a real module."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "deploy" / "k8s"


def _documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def test_every_kustomization_resource_exists() -> None:
    for kustomization in K8S.rglob("kustomization.yaml"):
        spec = _documents(kustomization)[0]
        for resource in spec.get("resources", []):
            assert (kustomization.parent / resource).exists(), f"{kustomization}: {resource}"
        for patch in spec.get("patches", []):
            if "path" in patch:
                assert (kustomization.parent / patch["path"]).exists()


def test_deployments_run_existing_services_with_grpc_probes() -> None:
    base = K8S / "base"
    deployments = [
        doc for path in base.glob("*.yaml") for doc in _documents(path) if doc.get("kind") == "Deployment"
    ]
    names = {doc["metadata"]["name"] for doc in deployments}
    assert names == {"auth", "camera", "notifier", "ingest", "detector", "gateway"}
    for doc in deployments:
        container = doc["spec"]["template"]["spec"]["containers"][0]
        module = container["args"][-1]
        assert (ROOT / module.replace(".", "/") / "__main__.py").exists(), module
        probe = container["readinessProbe"]
        if doc["metadata"]["name"] != "gateway":
            assert probe["grpc"]["port"] == container["ports"][0]["containerPort"]
