"""Fixtures for the notifier tests: a stand-in auth server, SMTP and LINE stand-ins, the service.

The stand-in auth server runs in the test process and implements only `GetPublicKeys` with a
test Ed25519 key, so the notifier verifies real signed tokens. Each notifier process gets its
own data folder and its own nats-server, so durable consumers and databases never mix.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Engine

from services.notifier import models  # noqa: F401 - registers the notifier's tables
from tests.support.keyserver import KeyServer
from tests.support.line_api import LineApiStandIn
from tests.support.processes import NatsServer, ServiceProcess, start_nats, start_service
from tests.support.smtp import SmtpSink
from visionflow import migrate
from visionflow.db import create_db_engine


@dataclass(frozen=True)
class Account:
    uuid: str
    token: str


@pytest.fixture(scope="package")
def key_server() -> KeyServer:
    return KeyServer()


@pytest.fixture(scope="package")
def signing_key(key_server: KeyServer) -> Ed25519PrivateKey:
    return key_server.key


@pytest.fixture
def new_account(key_server: KeyServer):
    def make() -> Account:
        account = str(uuid.uuid4())
        return Account(account, key_server.token(account))

    return make


@pytest.fixture
def alice(new_account) -> Account:
    return new_account()


@pytest.fixture
def bob(new_account) -> Account:
    return new_account()


@pytest.fixture(scope="package")
async def auth_address(key_server: KeyServer) -> AsyncIterator[str]:
    yield await key_server.start()
    await key_server.stop(grace=1)


@dataclass
class NotifierUnderTest:
    """A notifier process with its NATS, SMTP and LINE stand-ins."""

    process: ServiceProcess
    nats: NatsServer
    smtp: SmtpSink
    line: LineApiStandIn
    data_dir: Path

    @property
    def address(self) -> str:
        return self.process.address


def notifier_env(
    data_dir: Path, nats: NatsServer, auth_address: str, smtp: SmtpSink, line: LineApiStandIn, **extra: str
) -> dict[str, str]:
    env = {
        "VF_DATA_DIR": str(data_dir),
        **nats.login_env(),
        "VF_AUTH_ADDRESS": auth_address,
        "VF_LOG_LEVEL": "INFO",
        "VF_NOTIFIER_DATABASE_URL": "",
        "VF_SMTP_HOST": smtp.host,
        "VF_SMTP_PORT": str(smtp.port),
        "VF_SMTP_TLS": "none",
        "VF_SMTP_FROM": "alerts@visionflow.test",
        "VF_SMTP_TIMEOUT_S": "2",
        "VF_LINE_API_BASE": line.base_url,
        "VF_PUBLIC_URL": "https://vf.example.test",
        "VF_NOTIFIER_RETRY_BASE_S": "0.2",
        "VF_NOTIFIER_RETRY_MAX_S": "1",
        "VF_NOTIFIER_DELIVERY_LEASE_S": "3",
        "VF_NOTIFIER_ALERT_ACK_WAIT_S": "2",
        "VF_LIMIT_VERIFICATION_MAILS_PER_HOUR": "100000",
        "VF_LIMIT_VERIFICATION_MAILS_PER_ACCOUNT_PER_HOUR": "100000",
    }
    env.update(extra)
    return env


def start_notifier(
    base: Path, auth_address: str, *, smtp_running: bool = True, **extra: str
) -> NotifierUnderTest:
    """Start NATS, the SMTP sink (unless told not to), the LINE stand-in and the notifier."""
    nats = start_nats(base / "nats", base / "logs")
    smtp = SmtpSink()
    if smtp_running:
        smtp.start()
    line = LineApiStandIn().start()
    data_dir = base / "data"
    env = notifier_env(data_dir, nats, auth_address, smtp, line, **extra)
    try:
        process = start_service("notifier", env, base / "logs")
    except BaseException:
        line.stop()
        smtp.stop()
        nats.stop()
        raise
    return NotifierUnderTest(process, nats, smtp, line, data_dir)


def stop_notifier(running: NotifierUnderTest) -> int | None:
    code = running.process.stop()
    running.line.stop()
    running.smtp.stop()
    running.nats.stop()
    return code


@pytest.fixture(scope="module")
async def notifier(
    tmp_path_factory: pytest.TempPathFactory, auth_address: str
) -> AsyncIterator[NotifierUnderTest]:
    """One notifier for a test module (started from a thread: the auth stand-in runs on this loop)."""
    running = await asyncio.to_thread(start_notifier, tmp_path_factory.mktemp("notifier"), auth_address)
    yield running
    code = await asyncio.to_thread(stop_notifier, running)
    assert code == 0, running.process.tail()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """The notifier's tables in a fresh SQLite or PostgreSQL database (see `database_url`)."""
    engine = create_db_engine(database_url, retries=3)
    migrate.upgrade(engine, "notifier")
    yield engine
    engine.dispose()
