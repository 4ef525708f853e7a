"""Integrators on NATS with their access token (the auth service answers the auth callout): each
sees only its own account's subjects, publishes nothing but demand for its own cameras, and is
cut off when its token expires. A real nats-server configured as `make run` does, and a real auth
service process answering its callout."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client as NATS

from services.auth import natsjwt
from tests.support.accounts import LoggedIn, register_and_login
from tests.support.natsprobe import ARRIVES_S, delivered, refused
from tests.support.processes import NatsServer, ServiceProcess, start_nats, start_service
from visionflow import natsauth, subjects

SHORT_TTL_S = 4  # the access token lifetime of the service under test


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    base: Path = tmp_path_factory.mktemp("nats-callout")
    running = start_nats(base / "nats", base / "logs")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def auth(server: NatsServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    data_dir = tmp_path_factory.mktemp("callout-auth")
    process = start_service("auth", {"VF_DATA_DIR": str(data_dir), **server.login_env()}, data_dir / "logs")
    yield process
    assert process.stop() == 0, process.tail()


@pytest.fixture(scope="module")
def short_lived_auth(
    server: NatsServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    """Another auth service whose tokens expire in seconds (answers while the first is stopped)."""
    data_dir = tmp_path_factory.mktemp("callout-auth-short")
    env = {"VF_DATA_DIR": str(data_dir), **server.login_env(), "VF_AUTH_ACCESS_TTL_SECONDS": str(SHORT_TTL_S)}
    process = start_service("auth", env, data_dir / "logs")
    yield process
    assert process.stop() == 0, process.tail()


@pytest.fixture
async def admin(server: NatsServer) -> AsyncIterator[NATS]:
    nc = await nats.connect(server.url)
    yield nc
    await nc.close()


async def integrator(server: NatsServer, account: LoggedIn) -> NATS:
    return await nats.connect(
        server.anonymous_url, token=account.access_token, allow_reconnect=False, connect_timeout=5
    )


async def test_an_integrator_reads_its_own_account_and_nothing_else(
    server: NatsServer, auth: ServiceProcess, admin: NATS
) -> None:
    alice = await register_and_login(auth.address)
    bob = await register_and_login(auth.address)
    nc = await integrator(server, alice)
    try:
        for subject in (
            subjects.frames_raw(alice.account_uuid, 7),
            subjects.frames_annotated(alice.account_uuid, 7),
            subjects.detections(alice.account_uuid, 7),
            subjects.alert(alice.account_uuid, 7),
            subjects.camera_status(alice.account_uuid, 7),
        ):
            assert await delivered(nc, subject, admin, subject, ARRIVES_S), subject
        for subject in (
            subjects.frames_raw(bob.account_uuid, 8),  # another account's camera
            subjects.alert(bob.account_uuid, 8),
            f"{subjects.ACCOUNT_SPACE}.*.frames.raw.*",  # every account at once
            subjects.camera_changed(7),  # camera configurations with their stream passwords
            subjects.frames_detect(7),
            natsauth.CALLOUT_SUBJECT,
            f"{natsauth.inbox_prefix('gateway')}.x",
            ">",
        ):
            publish_on = subject.replace("*", "x").replace(">", "x")
            assert not await delivered(nc, subject, admin, publish_on), subject
    finally:
        await nc.close()
    assert f"NATS login of an integrator account={alice.account_uuid}" in auth.log_text()


async def test_an_integrator_asks_for_its_own_frames_but_forges_nothing(
    server: NatsServer, auth: ServiceProcess, admin: NATS
) -> None:
    alice = await register_and_login(auth.address)
    nc = await integrator(server, alice)
    try:
        demand = subjects.demand("raw", alice.account_uuid, 7)
        assert await delivered(admin, demand, nc, demand, ARRIVES_S)
        for subject in (
            subjects.alert(alice.account_uuid, 7),  # an alert would be mailed: only the detector
            subjects.frames_raw(alice.account_uuid, 7),
            subjects.camera_status(alice.account_uuid, 7),
            subjects.demand("raw", "0a0a0a0a-0000-4000-8000-000000000000", 7),  # another account
            subjects.camera_changed(7),
            "$JS.API.STREAM.DELETE.VF_EVENTS",
        ):
            assert not await delivered(admin, subject, nc, subject), subject
    finally:
        await nc.close()


async def test_logins_without_a_valid_access_token_are_refused(
    server: NatsServer, auth: ServiceProcess
) -> None:
    alice = await register_and_login(auth.address)
    await refused(server.anonymous_url)
    await refused(server.anonymous_url, token="not-a-token")
    await refused(server.anonymous_url, token=alice.refresh_token)  # a refresh token is not access
    await refused(server.anonymous_url, token=alice.access_token[:-4] + "AAAA")  # forged signature
    await refused(server.anonymous_url, user="ingest", password=alice.access_token)
    assert "NATS login refused" in auth.log_text()


async def test_the_connection_ends_when_the_token_expires(
    server: NatsServer, auth: ServiceProcess, short_lived_auth: ServiceProcess
) -> None:
    auth.stop()  # only the short-lived replica answers now
    try:
        carol = await register_and_login(short_lived_auth.address)
        closed = asyncio.Event()

        async def on_closed() -> None:
            closed.set()

        nc = await nats.connect(
            server.anonymous_url,
            token=carol.access_token,
            allow_reconnect=False,
            connect_timeout=5,
            closed_cb=on_closed,
        )
        assert nc.is_connected
        await asyncio.wait_for(closed.wait(), SHORT_TTL_S + 10)
        assert not nc.is_connected
        await refused(server.anonymous_url, token=carol.access_token)  # expired now
    finally:
        auth.start()
        auth.wait_ready()


def test_callout_answers_are_signed_nats_jwts_for_the_account(tmp_path: Path) -> None:
    """The user JWT nats-server receives: issued by the callout key, for the one account,
    granting only the account's space."""
    users = natsauth.NatsUsers.load_or_create(tmp_path / "users.json")
    signer = natsjwt.account_key(users.callout_seed)
    assert signer.public_key.decode() == natsauth.callout_issuer(users.callout_seed)
    claims = {"sub": "UABC", "aud": natsauth.ACCOUNT, "nats": {"type": "user", "version": 2}}
    token = natsjwt.encode(claims, signer)
    decoded = natsjwt.decode_verified(token, issuer_prefix=natsjwt.nkeys.PREFIX_BYTE_ACCOUNT)
    assert decoded["iss"] == signer.public_key.decode() and decoded["aud"] == natsauth.ACCOUNT
    with pytest.raises(natsjwt.InvalidNatsJwt):  # a server request must come from a server key
        natsjwt.decode_verified(token, issuer_prefix=natsjwt.nkeys.PREFIX_BYTE_SERVER)
    with pytest.raises(natsjwt.InvalidNatsJwt):
        natsjwt.decode_verified(token[:-3] + "AAA", issuer_prefix=natsjwt.nkeys.PREFIX_BYTE_ACCOUNT)
    assert natsauth.integrator_permissions("a-1") == {
        "pub": {"allow": ["vf.acct.a-1.demand.>"]},
        "sub": {"allow": ["vf.acct.a-1.>"]},
    }
    with pytest.raises(ValueError):
        natsauth.integrator_permissions("a.*")
