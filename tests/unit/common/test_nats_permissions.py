"""The bus plays attacker: anonymous and wrong logins are refused, and each service role may publish
and subscribe only what visionflow/natsauth.py grants it (JetStream API included).

Every probe runs against a real nats-server configured exactly as `make run` configures it, on
loopback; a refusal is shown by what does not arrive while an admin subscriber proves the rest
of the path works.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client as NATS
from nats.js.errors import NotFoundError

from tests.support.natsprobe import ARRIVES_S, QUIET_S, connect_as, delivered, refused, subject_matches
from tests.support.processes import NatsServer, start_nats
from visionflow import bus, natsauth, subjects

VICTIM = str(uuid.uuid4())  # the account whose subjects the probes aim at


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    base: Path = tmp_path_factory.mktemp("nats-permissions")
    running = start_nats(base / "nats", base / "logs")
    yield running
    running.stop()


@pytest.fixture
async def admin(server: NatsServer) -> AsyncIterator[NATS]:
    nc = await nats.connect(server.url)
    await bus.ensure_streams(nc.jetstream())
    yield nc
    await nc.close()


async def test_anonymous_and_wrong_passwords_arerefused(server: NatsServer) -> None:
    await refused(server.anonymous_url)
    await refused(server.anonymous_url, user="ingest", password="not-the-password")
    await refused(server.anonymous_url, user="nobody", password=server.users.passwords["ingest"])
    await refused(server.anonymous_url, token="some-token")


@pytest.mark.parametrize(
    ("role", "subject"),
    [
        ("ingest", subjects.alert(VICTIM, 1)),  # a forged alert would be mailed to the account's recipients
        ("gateway", subjects.alert(VICTIM, 1)),
        ("ingest", subjects.camera_changed(1)),  # a forged change would stop or redirect a camera
        ("detector", subjects.camera_changed(1)),
        ("gateway", subjects.frames_raw(VICTIM, 1)),  # fake frames
        ("notifier", subjects.camera_status(VICTIM, 1)),  # fake status
        ("camera", subjects.frames_annotated(VICTIM, 1)),
        # A forged "session ended" would log a victim out; only auth may announce one.
        ("gateway", subjects.session_ended(VICTIM)),
        ("notifier", subjects.session_ended(VICTIM)),
        ("ingest", subjects.session_ended(VICTIM)),
        ("detector", subjects.session_ended(VICTIM)),
        ("camera", subjects.session_ended(VICTIM)),
        # A forged access change would make relays re-check (or, trusted, end someone's stream).
        ("gateway", subjects.access_camera(1)),
        ("ingest", subjects.access_camera(1)),
    ],
)
async def test_a_role_cannot_publish_what_another_role_owns(
    server: NatsServer, admin: NATS, role: str, subject: str
) -> None:
    intruder = await connect_as(server, role)
    try:
        assert not await delivered(admin, subject, intruder, subject)
    finally:
        await intruder.close()
    # The path itself works: the owner's role publishes the same subject and it arrives.
    owner = next(name for name in natsauth.ROLES if _may_publish(name, subject))
    legit = await connect_as(server, owner)
    try:
        assert await delivered(admin, subject, legit, subject, ARRIVES_S)
    finally:
        await legit.close()


def _may_publish(role: str, subject: str) -> bool:
    return any(subject_matches(pattern, subject) for pattern in natsauth.ROLE_PERMISSIONS[role].publish)


@pytest.mark.parametrize(
    ("role", "subject"),
    [
        ("gateway", subjects.camera_changed(1)),  # camera URLs with their passwords
        ("ingest", subjects.alert(VICTIM, 1)),
        ("detector", subjects.frames_raw(VICTIM, 1)),
        ("notifier", subjects.frames_annotated(VICTIM, 1)),
        ("ingest", f"{natsauth.inbox_prefix('gateway')}.x"),  # another role's replies
        ("gateway", ">"),
    ],
)
async def test_a_role_cannot_read_what_it_does_not_need(
    server: NatsServer, admin: NATS, role: str, subject: str
) -> None:
    spy = await connect_as(server, role)
    try:
        assert not await delivered(spy, ">" if subject == ">" else subject, admin, subject.replace(">", "x"))
    finally:
        await spy.close()


async def test_no_role_can_delete_or_purge_the_streams_or_steal_alerts(
    server: NatsServer, admin: NATS
) -> None:
    for role in natsauth.ROLES:
        nc = await connect_as(server, role)
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
            # The only system subject: the auth service answers the auth callout there.
            assert "$SYS" not in subject or (role, subject) == ("auth", natsauth.CALLOUT_SUBJECT), (
                role,
                subject,
            )
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
