"""Log out everywhere, a logout ending that session's stream, and the alert-target actions
(resend verification, LINE test message, mark all read), through the real gateway."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from tests.conftest import System
from tests.e2e.helpers import PASSWORD, Account, assert_error, create_camera, forwarded_for, login
from tests.e2e.mjpeg import Publisher
from tests.support.mjpeg import PartReader
from tests.support.smtp import verification_token
from visionflow import subjects

SETTLE_S = 10.0  # bound on how long the "session ended" announcement may take to arrive


async def _second_session(http: httpx.AsyncClient, account: Account) -> dict[str, Any]:
    response = await login(http, account.username, PASSWORD, headers=forwarded_for())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _until_refused(http: httpx.AsyncClient, token: str) -> httpx.Response:
    """GET /cameras with `token` until the gateway refuses it (the announcement is asynchronous)."""
    deadline = time.monotonic() + SETTLE_S
    while True:
        response = await http.get("/cameras", headers={"Authorization": f"Bearer {token}"})
        if response.status_code != 200 or time.monotonic() > deadline:
            return response
        await asyncio.sleep(0.05)


async def test_logout_all_ends_every_session_refresh_and_access_tokens(
    http: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    other = await _second_session(http, alice)
    assert_error(await http.post("/logout_all"), 401, "AUTH_REQUIRED")
    answer = await http.post("/logout_all", headers=alice.headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "success" and answer.json()["data"]["sessions_ended"] == 2
    for token in (other["access_token"], alice.access_token):
        assert_error(await _until_refused(http, token), 401, "INVALID_TOKEN")
    for refresh in (other["refresh_token"], alice.refresh_token):
        assert_error(await http.post("/token/refresh", json={"refresh_token": refresh}), 401, "INVALID_TOKEN")
    # A new login starts a new session that works; bob never noticed.
    fresh = await _second_session(http, alice)
    assert (
        await http.get("/cameras", headers={"Authorization": f"Bearer {fresh['access_token']}"})
    ).status_code == 200
    assert (await http.get("/cameras", headers=bob.headers)).status_code == 200


async def test_logout_ends_that_sessions_stream_while_another_keeps_going(
    system: System, http: httpx.AsyncClient, alice: Account
) -> None:
    camera = await create_camera(http, alice, recognition=False)
    other = await _second_session(http, alice)
    path = f"/get_stream/{camera['id']}"
    async with (
        Publisher(system.nats.url, subjects.frames_raw(alice.account_uuid, camera["id"])),
        httpx.AsyncClient(base_url=system.gateway_url, timeout=20) as client,
    ):
        ending = await client.send(client.build_request("GET", path, headers=alice.headers), stream=True)
        staying = await client.send(
            client.build_request("GET", path, params={"token": other["access_token"]}), stream=True
        )
        try:
            ended, kept = PartReader(ending), PartReader(staying)
            await ended.next_part()
            await kept.next_part()
            logout = await http.post("/logout", json={"refresh_token": alice.refresh_token})
            assert logout.status_code == 200, logout.text
            started = time.monotonic()
            await ended.read_to_end(timeout=SETTLE_S)  # the stream of the ended session closes
            assert time.monotonic() - started < SETTLE_S
            for _ in range(5):  # the other session's stream keeps delivering frames
                await kept.next_part()
        finally:
            await ending.aclose()
            await staying.aclose()
    assert_error(await _until_refused(http, alice.access_token), 401, "INVALID_TOKEN")
    assert (
        await http.get("/cameras", headers={"Authorization": f"Bearer {other['access_token']}"})
    ).status_code == 200


async def test_resend_verification_mails_a_new_link_and_the_old_one_stops_working(
    system: System, http: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    address = f"resend-{alice.username}@example.com"
    added = await http.post("/email_recipients", json={"email": address}, headers=alice.headers)
    assert added.status_code == 201, added.text
    recipient_id = added.json()["data"]["id"]
    [first] = await system.smtp.wait_for(address)
    resent = await http.post(f"/email_recipients/{recipient_id}/resend", headers=alice.headers)
    assert resent.status_code == 200, resent.text
    assert resent.json()["data"] == {"id": recipient_id, "email": address, "verification_sent": True}
    mails = await system.smtp.wait_for(address, count=2)
    assert verification_token(mails[1]) != verification_token(first)
    old = await http.get("/email_recipients/verify", params={"token": verification_token(first)})
    assert old.status_code == 404
    new = await http.get("/email_recipients/verify", params={"token": verification_token(mails[1])})
    assert new.status_code == 200
    # Verified now: nothing to resend. Another account's recipient is invisible.
    assert_error(
        await http.post(f"/email_recipients/{recipient_id}/resend", headers=alice.headers),
        422,
        "VALIDATION_ERROR",
    )
    assert_error(
        await http.post(f"/email_recipients/{recipient_id}/resend", headers=bob.headers),
        404,
        "RESOURCE_NOT_FOUND",
    )
    assert len(system.smtp.mails_to(address)) == 2


async def _line_target(http: httpx.AsyncClient, account: Account, target: str) -> int:
    body = {"token": "AbCdEf1234567890GhIjKl1234567890", "target": target, "name": "Ops"}
    added = await http.post("/line_tokens", json=body, headers=account.headers)
    assert added.status_code == 201, added.text
    target_id: int = added.json()["data"]["id"]
    return target_id


async def test_line_test_message_reaches_line_and_refusals_answer_clearly(
    system: System, http: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    to = f"U{alice.account_uuid.replace('-', '')}"
    target_id = await _line_target(http, alice, to)
    answer = await http.post(f"/line_tokens/{target_id}/test", headers=alice.headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["verified"] is True and answer.json()["data"]["last_used"]
    [push] = await system.line.wait_for_pushes(to)
    assert push.bearer == "AbCdEf1234567890GhIjKl1234567890"
    assert push.body["messages"][0]["type"] == "text"
    system.line.fail_next(401)  # LINE refuses the token
    refused = await http.post(f"/line_tokens/{target_id}/test", headers=alice.headers)
    assert_error(refused, 422, "VALIDATION_ERROR")
    assert refused.json()["message"].startswith("token:")
    system.line.fail_next(503)  # LINE is down
    down = await http.post(f"/line_tokens/{target_id}/test", headers=alice.headers)
    assert_error(down, 503, "SERVICE_UNAVAILABLE")
    assert down.headers["retry-after"]
    assert_error(
        await http.post(f"/line_tokens/{target_id}/test", headers=bob.headers), 404, "RESOURCE_NOT_FOUND"
    )
    no_target = await _line_target(http, alice, "")
    assert_error(
        await http.post(f"/line_tokens/{no_target}/test", headers=alice.headers), 422, "VALIDATION_ERROR"
    )
    assert len(system.line.pushes(to)) == 3


async def test_mark_all_read_marks_only_the_callers_unread_notifications(
    http: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    cameras = {}
    for account in (alice, bob):
        cameras[account.username] = await create_camera(http, account, recognition=False)
        for n in range(3):
            body = {
                "camera_id": cameras[account.username]["id"],
                "message": f"test {n}",
                "detection_type": "person",
                "confidence": 0.9,
            }
            created = await http.post("/notifications", json=body, headers=account.headers)
            assert created.status_code == 201, created.text
    answer = await http.post("/notifications/mark_all_read", headers=alice.headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"] == {"updated": 3}
    unread = (await http.get("/notifications", params={"status": "unread"}, headers=alice.headers)).json()
    assert unread["pagination"]["total_items"] == 0
    assert (await http.post("/notifications/mark_all_read", headers=alice.headers)).json()["data"][
        "updated"
    ] == 0
    bobs = (await http.get("/notifications", params={"status": "unread"}, headers=bob.headers)).json()
    assert bobs["pagination"]["total_items"] == 3
    assert_error(await http.post("/notifications/mark_all_read"), 401, "AUTH_REQUIRED")
