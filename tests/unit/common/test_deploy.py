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


def test_key_files_come_from_the_shared_secret() -> None:
    # A key generated per pod differs between replicas and is lost on restart.
    needs = {
        "auth": {"VF_JWT_PRIVATE_KEY_FILE"},
        "notifier": {"VF_NOTIFIER_SECRET_KEY_FILE", "VF_IMAGE_LINK_KEY_FILE"},
        "gateway": {"VF_IMAGE_LINK_KEY_FILE"},
    }
    for name, variables in needs.items():
        [deployment] = [d for d in _documents(K8S / "base" / f"{name}.yaml") if d["kind"] == "Deployment"]
        pod = deployment["spec"]["template"]["spec"]
        container = pod["containers"][0]
        secrets = {v["name"]: v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v}
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        env = {e["name"]: e.get("value", "") for e in container["env"]}
        for variable in variables:
            mount = str(Path(env[variable]).parent)
            assert secrets.get(mounts.get(mount, "")) == "visionflow-keys", (name, variable)
