"""Session fixtures: one real NATS server and the real services, started once per test run."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.line_api import LineApiStandIn
from tests.support.processes import NatsServer, ServiceProcess, start_nats, start_service
from tests.support.smtp import SmtpSink

pytest_plugins = ["tests.support.databases"]

# Every service but the gateway, in start order; the gateway starts last with their addresses.
CORE_SERVICES = ("auth", "camera", "notifier", "ingest", "detector")


@dataclass
class System:
    """The running system: NATS, each service's process, and the gateway's base URL."""

    data_dir: Path
    nats: NatsServer
    env: dict[str, str]
    smtp: SmtpSink
    line: LineApiStandIn
    services: dict[str, ServiceProcess] = field(default_factory=dict)

    @property
    def gateway_url(self) -> str:
        return f"http://{self.services['gateway'].address}"

    def address(self, service: str) -> str:
        return self.services[service].address


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("vf-data")


@pytest.fixture(scope="session")
def nats_server(data_dir: Path) -> Iterator[NatsServer]:
    server = start_nats(data_dir / "nats", data_dir / "logs")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) that keeps every mail it receives."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def line_api() -> Iterator[LineApiStandIn]:
    """A local HTTP server standing in for the LINE Messaging API."""
    server = LineApiStandIn().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def system(
    data_dir: Path, nats_server: NatsServer, smtp_server: SmtpSink, line_api: LineApiStandIn
) -> Iterator[System]:
    """Every service and the gateway as real processes on free ports."""
    env = {
        "VF_DATA_DIR": str(data_dir),
        "VF_NATS_URL": nats_server.url,
        "VF_LOG_LEVEL": "INFO",
        "VF_ALLOW_FILE_URLS": "true",
        "VF_AUTH_LOGIN_MAX_ATTEMPTS": "5",
        "VF_INGEST_METRICS_PORT": "0",
        "VF_DETECTOR_METRICS_PORT": "0",
        "VF_MODELS_DIR": str(data_dir / "models"),
        "YOLO_OFFLINE": "1",
        "YOLO_AUTOINSTALL": "false",
        "VF_SMTP_HOST": smtp_server.host,
        "VF_SMTP_PORT": str(smtp_server.port),
        "VF_SMTP_TLS": "none",
        "VF_LINE_API_BASE": line_api.base_url,
        "VF_NOTIFIER_RETRY_BASE_S": "0.5",
        "VF_NOTIFIER_RETRY_MAX_S": "2",
    }
    running = System(data_dir=data_dir, nats=nats_server, env=env, smtp=smtp_server, line=line_api)
    try:
        for name in CORE_SERVICES:
            process = start_service(name, env, data_dir / "logs")
            running.services[name] = process
            env[f"VF_{name.upper()}_ADDRESS"] = process.address
        running.services["gateway"] = start_service("gateway", env, data_dir / "logs")
        yield running
    finally:
        for process in reversed(list(running.services.values())):
            process.stop()
