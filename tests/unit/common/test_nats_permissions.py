"""The bus plays attacker: anonymous and wrong logins are refused, and each service role may publish
and subscribe only what visionflow/natsauth.py grants it (JetStream API included).

Every probe runs against a real nats-server configured exactly as `make run` configures it, on
loopback; a refusal is shown by what does not arrive while an admin subscriber proves the rest
of the path works.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client as NATS
from nats.errors import NoServersError
from nats.js.errors import NotFoundError

from tests.support.processes import NatsServer, start_nats
from visionflow import bus, natsauth, subjects

QUIET_S = 1.0  # how long a refused message is waited for
ARRIVES_S = 10.0  # how long an allowed one may take (it returns as soon as it arrives)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    base: Path = tmp_path_factory.mktemp("nats-permissions")
    running = start_nats(base / "nats", base / "logs")
    yield running
    running.stop()


async def _as(server: NatsServer, role: str) -> NATS:
    return await bus.connect(
        server.anonymous_url, f"probe-{role}", bus.Login(role, server.users.passwords[role])
    )


@pytest.fixture
async def admin(server: NatsServer) -> AsyncIterator[NATS]:
    nc = await nats.connect(server.url)
    await bus.ensure_streams(nc.jetstream())
    yield nc
    await nc.close()


async def _refused(url: str, **options: str) -> None:
    with pytest.raises((NoServersError, nats.errors.Error, OSError)):
        nc = await nats.connect(url, allow_reconnect=False, connect_timeout=2, **options)
        await nc.close()


async def test_anonymous_and_wrong_passwords_are_refused(server: NatsServer) -> None:
    await _refused(server.anonymous_url)
    await _refused(server.anonymous_url, user="ingest", password="not-the-password")
    await _refused(server.anonymous_url, user="nobody", password=server.users.passwords["ingest"])
    await _refused(server.anonymous_url, token="some-token")


async def _delivered(
    receiver: NATS, subject: str, publisher: NATS, publish_on: str, wait_s: float = QUIET_S
) -> bool:
    """Whether a message published by `publisher` reaches `receiver`'s subscription."""
    got = asyncio.Event()

    async def on_message(_msg: object) -> None:
        got.set()

    subscription = await receiver.subscribe(subject, cb=on_message)
    await receiver.flush()
    deadline = asyncio.get_running_loop().time() + wait_s
    try:
        while True:  # an allowed message is sent again until it arrives (or time is up)
            await publisher.publish(publish_on, b"probe")
            await publisher.flush()
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return False
            try:
                await asyncio.wait_for(got.wait(), min(left, QUIET_S))
                return True
            except TimeoutError:
                continue
    finally:
        await subscription.unsubscribe()


@pytest.mark.parametrize(
    ("role", "subject"),
    [
        ("ingest", subjects.alert(1)),  # a forged alert would be mailed to the account's recipients
        ("gateway", subjects.alert(1)),
        ("ingest", subjects.camera_changed(1)),  # a forged change would stop or redirect a camera
        ("detector", subjects.camera_changed(1)),
        ("gateway", subjects.frames_raw(1)),  # fake frames
        ("notifier", subjects.camera_status(1)),  # fake status
        ("camera", subjects.frames_annotated(1)),
        # A forged access change would make relays re-check (or, trusted, end someone's stream).
        ("gateway", subjects.access_camera(1)),
        ("ingest", subjects.access_camera(1)),
    ],
)
async def test_a_role_cannot_publish_what_another_role_owns(
    server: NatsServer, admin: NATS, role: str, subject: str
) -> None:
    intruder = await _as(server, role)
    try:
        assert not await _delivered(admin, subject, intruder, subject)
    finally:
        await intruder.close()
    # The path itself works: the owner's role publishes the same subject and it arrives.
    owner = next(name for name in natsauth.ROLES if _may_publish(name, subject))
    legit = await _as(server, owner)
    try:
        assert await _delivered(admin, subject, legit, subject, ARRIVES_S)
    finally:
        await legit.close()


def _may_publish(role: str, subject: str) -> bool:
    kind = subject.rsplit(".", 1)[0] + ".*"
    return kind in natsauth.ROLE_PERMISSIONS[role].publish


@pytest.mark.parametrize(
    ("role", "subject"),
    [
        ("gateway", subjects.camera_changed(1)),  # camera URLs with their passwords
        ("ingest", subjects.alert(1)),
        ("detector", subjects.frames_raw(1)),
        ("notifier", subjects.frames_annotated(1)),
        ("ingest", f"{natsauth.inbox_prefix('gateway')}.x"),  # another role's replies
        ("gateway", ">"),
    ],
)
async def test_a_role_cannot_read_what_it_does_not_need(
    server: NatsServer, admin: NATS, role: str, subject: str
) -> None:
    spy = await _as(server, role)
    try:
        assert not await _delivered(spy, ">" if subject == ">" else subject, admin, subject.replace(">", "x"))
    finally:
        await spy.close()


async def test_no_role_can_delete_or_purge_the_streams_or_steal_alerts(
    server: NatsServer, admin: NATS
) -> None:
    for role in natsauth.ROLES:
        nc = await _as(server, role)
        js = nc.jetstream(timeout=QUIET_S)
        try:
            with pytest.raises((nats.errors.TimeoutError, nats.js.errors.Error)):
                await js.delete_stream(subjects.EVENTS_STREAM)
            with pytest.raises((nats.errors.TimeoutError, nats.js.errors.Error)):
                await js.purge_stream(subjects.CAMERAS_STREAM)
            if role != "notifier":  # only the notifier pulls alerts
                with pytest.raises((nats.errors.TimeoutError, nats.js.errors.Error)):
                    await js.consumer_info(subjects.EVENTS_STREAM, subjects.NOTIFIER_ALERTS_DURABLE)
        finally:
            await nc.close()
    admin_js = admin.jetstream()
    assert (await admin_js.stream_info(subjects.EVENTS_STREAM)).config.name == subjects.EVENTS_STREAM
    with pytest.raises(NotFoundError):  # nobody created the durable by probing for it
        await admin_js.consumer_info(subjects.EVENTS_STREAM, subjects.NOTIFIER_ALERTS_DURABLE)


def test_the_table_grants_no_wildcard_and_no_destructive_api() -> None:
    for role in natsauth.ROLES:
        granted = natsauth.permissions(role)
        for subject in granted["publish"]["allow"] + granted["subscribe"]["allow"]:
            assert subject not in (">", "*", "$JS.API.>", "$JS.>", "_INBOX.>"), (role, subject)
            assert ".DELETE." not in subject or subject.startswith("$JS.API.CONSUMER.DELETE."), (
                role,
                subject,
            )
            assert "$SYS" not in subject, (role, subject)
        assert granted["subscribe"]["allow"][0] == f"_INBOX_{role}.>"


def test_users_file_is_private_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    first = natsauth.NatsUsers.load_or_create(path)
    assert path.stat().st_mode & 0o077 == 0
    assert natsauth.NatsUsers.load_or_create(path) == first
    assert set(first.passwords) == {*natsauth.ROLES, natsauth.ADMIN}
    path.write_text('{"ingest": "x"}')
    with pytest.raises(SystemExit, match="lacks passwords"):
        natsauth.NatsUsers.load(path)
