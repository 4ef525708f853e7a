"""The notifier's one-shot actions over gRPC: a LINE test message (through the LINE stand-in,
with LINE's refusals and outages as clear errors) and marking every notification read."""

from __future__ import annotations

import pytest

from tests.unit.notifier.alerts import camera_of, register_camera
from tests.unit.notifier.conftest import Account, NotifierUnderTest
from tests.unit.notifier.helpers import notification_request, notifier_stub
from visionflow import bus
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.rpc import call
from visionflow.v1 import notifier_pb2

TOKEN = "AbCdEf1234567890GhIjKl1234567890"


async def _error(rpc: object, request: object, token: str) -> VisionFlowError:
    with pytest.raises(VisionFlowError) as caught:
        await call(rpc, request, token=token)  # type: ignore[arg-type]
    return caught.value


async def test_line_test_message_is_pushed_and_refusals_are_clear(
    notifier: NotifierUnderTest, alice: Account, bob: Account
) -> None:
    to = f"U{alice.uuid.replace('-', '')}"
    async with notifier_stub(notifier.address) as stub:
        added = await call(
            stub.AddLineToken, notifier_pb2.AddLineTokenRequest(token=TOKEN, target=to), token=alice.token
        )
        request = notifier_pb2.TestLineTokenRequest(line_token_id=added.line_token.id)
        reply = await call(stub.TestLineToken, request, token=alice.token)
        assert reply.line_token.verified and reply.line_token.last_used.seconds > 0
        [push] = await notifier.line.wait_for_pushes(to)
        assert push.bearer == TOKEN and push.body["messages"][0]["type"] == "text"
        notifier.line.fail_next(403)
        refused = await _error(stub.TestLineToken, request, alice.token)
        assert refused.code is ErrorCode.VALIDATION_ERROR and refused.message.startswith("token:")
        notifier.line.fail_next(500)
        down = await _error(stub.TestLineToken, request, alice.token)
        assert down.code is ErrorCode.SERVICE_UNAVAILABLE and down.retry_after
        foreign = await _error(stub.TestLineToken, request, bob.token)
        assert foreign.code is ErrorCode.RESOURCE_NOT_FOUND
    assert len(notifier.line.pushes(to)) == 3


async def test_mark_all_read_counts_and_touches_only_the_caller(
    notifier: NotifierUnderTest, alice: Account, bob: Account
) -> None:
    nc = await bus.connect(notifier.nats.url, "mark-all-tests")
    try:
        for account in (alice, bob):
            await register_camera(nc, account.uuid, camera_of(account.uuid))
    finally:
        await bus.close(nc)
    async with notifier_stub(notifier.address) as stub:
        for account in (alice, bob):
            for n in range(2):
                request = notification_request(camera_id=camera_of(account.uuid), message=f"n{n}")
                await call(stub.CreateNotification, request, token=account.token)
        mark = notifier_pb2.MarkAllNotificationsReadRequest()
        assert (await call(stub.MarkAllNotificationsRead, mark, token=alice.token)).updated == 2
        assert (await call(stub.MarkAllNotificationsRead, mark, token=alice.token)).updated == 0
        unread = notifier_pb2.ListNotificationsRequest(
            page=1, limit=10, status=notifier_pb2.NOTIFICATION_STATUS_UNREAD
        )
        assert (await call(stub.ListNotifications, unread, token=bob.token)).total_items == 2
        assert (await call(stub.ListNotifications, unread, token=alice.token)).total_items == 0
