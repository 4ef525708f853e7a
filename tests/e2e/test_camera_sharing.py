"""Sharing a camera view-only, over the real gateway: Alice (owner) shares with Bob (grantee);
Carol (a third account) sees nothing. Bob may watch and read exactly what the share allows on
every route, cannot change anything, and his open stream closes within seconds of revocation.

That no role but the camera service can publish the access event is probed against a server of
its own in tests/unit/common/test_nats_permissions.py (the session's NATS must log no violation).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import nats
import pytest

from tests.conftest import System
from tests.e2e.helpers import Account, assert_error, create_camera, new_account, region_body
from tests.e2e.mjpeg import Publisher, numbered_jpeg
from tests.e2e.pages import eventually
from tests.support.mjpeg import PartReader
from visionflow import snapshots, subjects

CLOSED_WITHIN_S = 5.0  # generous: the access event makes it well under a second
NOT_FOUND = "攝影機不存在或無權限訪問"


@pytest.fixture
async def carol(http: httpx.AsyncClient) -> Account:
    return await new_account(http, "carol")


@pytest.fixture
async def viewer_client(gateway_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=20) as client:
        yield client


async def share(http: httpx.AsyncClient, owner: Account, camera_id: int, **body: Any) -> httpx.Response:
    return await http.post(f"/cameras/{camera_id}/shares", json=body, headers=owner.headers)


async def notify(
    http: httpx.AsyncClient, owner: Account, camera_id: int, message: str, image: str = ""
) -> int:
    body = {"camera_id": camera_id, "message": message, "detection_type": "person", "confidence": 0.8}
    response = await http.post("/notifications", json={**body, "image_path": image}, headers=owner.headers)
    assert response.status_code == 201, response.text
    return int(response.json()["data"]["id"])


async def messages(http: httpx.AsyncClient, account: Account) -> dict[str, dict[str, Any]]:
    listed = (await http.get("/notifications", params={"limit": 100}, headers=account.headers)).json()
    return {n["message"]: n for n in listed["data"]}


async def test_owner_grants_lists_and_revokes_with_clear_errors(
    http: httpx.AsyncClient, alice: Account, bob: Account, carol: Account
) -> None:
    camera = await create_camera(http, alice)
    cid = camera["id"]
    until = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    created = await share(
        http,
        alice,
        cid,
        grantee=bob.email.upper(),
        expires_at=until.isoformat(),
        include_past_notifications=True,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "success"
    granted = body["data"]
    assert granted["grantee_username"] == bob.username and granted["camera_id"] == cid
    assert (
        granted["expires_at"] == until.strftime("%Y-%m-%dT%H:%M:%SZ")
        and granted["include_past_notifications"]
    )
    listed = (await http.get(f"/cameras/{cid}/shares", headers=alice.headers)).json()
    assert listed == {"status": "success", "data": [granted], "total": 1}

    # Bad input: clear envelopes, nothing stored.
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert_error(await share(http, alice, cid, grantee="no-such-user-here"), 422, "VALIDATION_ERROR")
    assert_error(await share(http, alice, cid, grantee=alice.username), 422, "VALIDATION_ERROR")
    assert_error(
        await share(http, alice, cid, grantee=carol.username, expires_at=past), 422, "VALIDATION_ERROR"
    )
    assert_error(
        await share(http, alice, cid, grantee=carol.username, expires_at="tomorrow"), 422, "VALIDATION_ERROR"
    )
    assert_error(
        await share(http, alice, cid, grantee=carol.username, expires_at="2030-01-01T00:00:00"),
        422,
        "VALIDATION_ERROR",
    )
    assert_error(await share(http, alice, cid, grantee=""), 422, "VALIDATION_ERROR")
    assert_error(
        await share(http, alice, cid, grantee=carol.username, include_past_notifications="yes"),
        422,
        "VALIDATION_ERROR",
    )
    assert_error(await share(http, alice, cid, grantee=carol.username, role="admin"), 422, "VALIDATION_ERROR")
    assert_error(await share(http, alice, cid, grantee=bob.username), 409, "CONFLICT")
    assert_error(await share(http, alice, 0, grantee=carol.username), 422, "VALIDATION_ERROR")
    assert_error(await share(http, alice, cid + 10_000, grantee=carol.username), 404, "CAMERA_NOT_FOUND")
    assert_error(
        await http.delete(f"/cameras/{cid}/shares/abc", headers=alice.headers), 422, "VALIDATION_ERROR"
    )
    assert_error(
        await http.delete(f"/cameras/{cid}/shares/{granted['id'] + 999}", headers=alice.headers),
        404,
        "RESOURCE_NOT_FOUND",
    )
    assert_error(
        await http.post(f"/cameras/{cid}/shares", json={"grantee": bob.username}), 401, "AUTH_REQUIRED"
    )
    assert (await http.get(f"/cameras/{cid}/shares", headers=alice.headers)).json()["data"] == [granted]

    # Bob (grantee) and Carol (stranger) cannot manage the shares.
    for who, status, code in ((bob, 403, "INSUFFICIENT_PERMISSIONS"), (carol, 404, "CAMERA_NOT_FOUND")):
        assert_error(await share(http, who, cid, grantee=carol.username), status, code)
        assert_error(await http.get(f"/cameras/{cid}/shares", headers=who.headers), status, code)
        assert_error(
            await http.delete(f"/cameras/{cid}/shares/{granted['id']}", headers=who.headers), status, code
        )

    [seen] = (await http.get("/shared_cameras", headers=bob.headers)).json()["data"]
    assert (seen["id"], seen["owner_username"], seen["access"]) == (cid, alice.username, "viewer")
    assert "stream_url" not in seen and seen["expires_at"] == granted["expires_at"]
    assert (await http.get("/shared_cameras", headers=carol.headers)).json() == {
        "status": "success",
        "data": [],
        "total": 0,
    }

    revoked = await http.delete(f"/cameras/{cid}/shares/{granted['id']}", headers=alice.headers)
    assert revoked.json() == {
        "status": "success",
        "message": "Share revoked",
        "data": {"share_id": granted["id"], "camera_id": cid},
    }
    assert (await http.get("/shared_cameras", headers=bob.headers)).json()["total"] == 0
    assert (await http.get(f"/cameras/{cid}/shares", headers=alice.headers)).json()["total"] == 0


async def test_grantee_watches_and_reads_only_what_the_share_allows(
    system: System, http: httpx.AsyncClient, alice: Account, bob: Account, carol: Account
) -> None:
    camera = await create_camera(http, alice, recognition=False)
    cid = camera["id"]
    saved = await http.post(
        f"/rectangles/{cid}", json={"regions": [region_body("door")]}, headers=alice.headers
    )
    assert saved.status_code == 200
    before = (await http.get("/cameras", headers=alice.headers)).json()["data"]
    assert (await share(http, alice, cid, grantee=bob.username)).status_code == 201

    # Cameras: Bob's own list stays empty; every change is 403 for him, 404 for Carol.
    assert (await http.get("/cameras", headers=bob.headers)).json()["data"] == []
    for who, status, code in ((bob, 403, "INSUFFICIENT_PERMISSIONS"), (carol, 404, "CAMERA_NOT_FOUND")):
        h = who.headers
        assert_error(await http.patch(f"/cameras/{cid}", json={"name": "pwned"}, headers=h), status, code)
        assert_error(await http.delete(f"/cameras/{cid}", headers=h), status, code)
        assert_error(await http.post(f"/rectangles/{cid}", json={"regions": []}, headers=h), status, code)
        assert_error(await http.get(f"/rectangles/{cid}", headers=h), status, code)
        assert_error(await http.get(f"/mask/{cid}", headers=h), status, code)
        assert_error(await http.get(f"/snapshot_ui/{cid}", headers=h), status, code)
        assert_error(await http.delete(f"/rectangles/{cid}", headers=h), 403, "INSUFFICIENT_PERMISSIONS")
        assert_error(
            await http.post(
                "/notifications",
                json={"camera_id": cid, "message": "fake", "detection_type": "person", "confidence": 0.9},
                headers=h,
            ),
            404,
            "CAMERA_NOT_FOUND",
        )
    # Carol cannot watch or snapshot at all.
    for media in (f"/get_stream/{cid}", f"/recognized_stream/{cid}", f"/snapshot/{cid}.jpg"):
        assert_error(await http.get(media, headers=carol.headers), 404, "CAMERA_NOT_FOUND", NOT_FOUND)
    # Bob's snapshot is the live frame; email and LINE lists stay his own (empty).
    async with Publisher(system.nats.url, subjects.frames_raw(alice.account_uuid, cid)):
        snap = await http.get(f"/snapshot/{cid}.jpg", params={"token": bob.access_token})
        assert snap.status_code == 200 and snap.headers["content-type"] == "image/jpeg"
    for route in ("/email_recipients", "/line_tokens"):
        assert (await http.get(route, headers=bob.headers)).json()["data"] == [], route
    after = (await http.get("/cameras", headers=alice.headers)).json()["data"]
    assert [(c["id"], c["name"], c["updated_at"]) for c in after] == [
        (c["id"], c["name"], c["updated_at"]) for c in before
    ]
    assert len((await http.get(f"/rectangles/{cid}", headers=alice.headers)).json()["data"]["regions"]) == 1


async def test_shared_notifications_and_pictures_follow_the_grant(
    system: System, http: httpx.AsyncClient, alice: Account, bob: Account, carol: Account
) -> None:
    camera = await create_camera(http, alice)
    other = await create_camera(http, alice)
    cid = camera["id"]
    nc = await nats.connect(system.nats.url)
    try:
        store = await snapshots.ensure_bucket(nc.jetstream())
        picture = f"{alice.account_uuid}/{cid}/{uuid.uuid4().hex}.jpg"
        unshared = f"{alice.account_uuid}/{other['id']}/{uuid.uuid4().hex}.jpg"
        await store.put(picture, numbered_jpeg(1))
        await store.put(unshared, numbered_jpeg(2))
    finally:
        await nc.close()
    await notify(http, alice, cid, "before the share")
    await notify(http, alice, other["id"], "other camera", unshared)
    granted = (await share(http, alice, cid, grantee=bob.username)).json()["data"]
    fresh = await notify(http, alice, cid, "after the share", picture)

    async def bob_sees_it() -> bool:
        return "after the share" in await messages(http, bob)

    await eventually(bob_sees_it, what="the shared notification in Bob's list")
    seen = await messages(http, bob)
    assert set(seen) == {"after the share"}  # not the past one, not the other camera's
    shown = seen["after the share"]
    assert shown["shared"] is True and shown["owner_username"] == alice.username and shown["id"] == fresh
    assert (await messages(http, alice))["after the share"]["shared"] is False
    assert await messages(http, carol) == {}
    # Read-only: Bob cannot mark it; Alice's read state is untouched.
    assert_error(
        await http.patch(f"/notifications/{fresh}", json={"status": "read"}, headers=bob.headers),
        403,
        "INSUFFICIENT_PERMISSIONS",
    )
    assert_error(
        await http.patch(f"/notifications/{fresh}", json={"status": "read"}, headers=carol.headers),
        404,
        "RESOURCE_NOT_FOUND",
    )
    assert (await messages(http, alice))["after the share"]["status"] == "unread"
    # Pictures: the shared notification's only.
    assert (await http.get(f"/showimage/{picture}", headers=bob.headers)).status_code == 200
    assert_error(await http.get(f"/showimage/{unshared}", headers=bob.headers), 404, "RESOURCE_NOT_FOUND")
    assert_error(await http.get(f"/showimage/{picture}", headers=carol.headers), 404, "RESOURCE_NOT_FOUND")

    # Re-granted with past notifications: the old one shows too; revoked: none at all.
    await http.delete(f"/cameras/{cid}/shares/{granted['id']}", headers=alice.headers)
    again = (await share(http, alice, cid, grantee=bob.username, include_past_notifications=True)).json()[
        "data"
    ]

    async def bob_sees_the_past() -> bool:
        return "before the share" in await messages(http, bob)

    await eventually(bob_sees_the_past, what="past notifications after include_past_notifications")
    assert set(await messages(http, bob)) == {"before the share", "after the share"}
    await http.delete(f"/cameras/{cid}/shares/{again['id']}", headers=alice.headers)

    async def bob_sees_nothing() -> bool:
        return await messages(http, bob) == {}

    await eventually(bob_sees_nothing, what="no shared notifications after revocation")
    assert_error(await http.get(f"/showimage/{picture}", headers=bob.headers), 404, "RESOURCE_NOT_FOUND")


async def test_the_grantees_open_stream_closes_soon_after_revocation(
    system: System, http: httpx.AsyncClient, viewer_client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    camera = await create_camera(http, alice, recognition=False)
    cid = camera["id"]
    granted = (await share(http, alice, cid, grantee=bob.username)).json()["data"]
    async with Publisher(system.nats.url, subjects.frames_raw(alice.account_uuid, cid)):
        request = viewer_client.build_request("GET", f"/get_stream/{cid}", params={"token": bob.access_token})
        response = await viewer_client.send(request, stream=True)
        owner_request = viewer_client.build_request("GET", f"/get_stream/{cid}", headers=alice.headers)
        owner = await viewer_client.send(owner_request, stream=True)
        try:
            assert response.status_code == 200 and owner.status_code == 200
            reader, owner_reader = PartReader(response), PartReader(owner)
            await reader.next_part()
            await owner_reader.next_part()
            revoked = await http.delete(f"/cameras/{cid}/shares/{granted['id']}", headers=alice.headers)
            assert revoked.status_code == 200
            await reader.read_to_end(timeout=CLOSED_WITHIN_S)  # the relay ended it
            await owner_reader.next_part()  # the owner's stream goes on
        finally:
            await response.aclose()
            await owner.aclose()
    assert_error(
        await http.get(f"/get_stream/{cid}", params={"token": bob.access_token}), 404, "CAMERA_NOT_FOUND"
    )
