"""Probing NATS as an attacker would: connect as someone, and see whether a message gets through."""

from __future__ import annotations

import asyncio

import nats
import pytest
from nats.aio.client import Client as NATS
from nats.errors import NoServersError

from tests.support.processes import NatsServer
from visionflow import bus

QUIET_S = 1.0  # how long a refused message is waited for
ARRIVES_S = 10.0  # how long an allowed one may take (it returns as soon as it arrives)


async def connect_as(server: NatsServer, role: str) -> NATS:
    return await bus.connect(
        server.anonymous_url, f"probe-{role}", bus.Login(role, server.users.passwords[role])
    )


async def refused(url: str, **options: str) -> None:
    with pytest.raises((NoServersError, nats.errors.Error, OSError)):
        nc = await nats.connect(url, allow_reconnect=False, connect_timeout=2, **options)
        await nc.close()


async def delivered(
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


def subject_matches(pattern: str, subject: str) -> bool:
    """NATS subject matching: `*` one token, `>` the rest."""
    wanted, tokens = pattern.split("."), subject.split(".")
    for index, token in enumerate(wanted):
        if token == ">":
            return len(tokens) > index
        if index >= len(tokens) or token not in ("*", tokens[index]):
            return False
    return len(tokens) == len(wanted)
