"""`/showimage`: the caller's own images from the object store, and nothing else.

Signed links (`?exp=&sig=`) open one key without a token; the system fixture's data dir holds the
key file the notifier and the gateway share.
"""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import nats
import pytest
from nats.js.errors import BadRequestError, BucketNotFoundError
from nats.js.object_store import ObjectStore

from tests.conftest import System
from tests.e2e.helpers import Account, assert_error, create_camera
from tests.e2e.mjpeg import numbered_jpeg
from tests.support.smtp import verification_token
from visionflow import subjects
from visionflow.links import ImageLinkSigner, load_or_create_link_key


@pytest.fixture
async def store(system: System) -> AsyncIterator[ObjectStore]:
    nc = await nats.connect(system.nats.url)
    js = nc.jetstream()
    try:
        try:
            bucket = await js.object_store(subjects.SNAPSHOT_BUCKET)
        except BucketNotFoundError:
            with contextlib.suppress(BadRequestError):  # created by a service at the same moment
                await js.create_object_store(subjects.SNAPSHOT_BUCKET)
            bucket = await js.object_store(subjects.SNAPSHOT_BUCKET)
        yield bucket
    finally:
        await nc.close()


async def put(store: ObjectStore, key: str, data: bytes) -> None:
    await store.put(key, data)


async def test_owner_gets_the_image_with_its_content_type(
    http: httpx.AsyncClient, store: ObjectStore, alice: Account
) -> None:
    jpeg = numbered_jpeg(7)
    key = f"{alice.account_uuid}/alerts/{uuid.uuid4().hex}.jpg"
    await put(store, key, jpeg)
    png_key = f"{alice.account_uuid}/masks/{uuid.uuid4().hex}.PNG"
    await put(store, png_key, b"\x89PNG\r\n\x1a\nnot-really")

    response = await http.get(f"/showimage/{key}", headers=alice.headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.content == jpeg
    via_query = await http.get(f"/showimage/{key}", params={"token": alice.access_token})
    assert via_query.status_code == 200 and via_query.content == jpeg
    png = await http.get(f"/showimage/{png_key}", headers=alice.headers)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"


async def test_another_accounts_image_is_404(
    http: httpx.AsyncClient, store: ObjectStore, alice: Account, bob: Account
) -> None:
    key = f"{alice.account_uuid}/alerts/{uuid.uuid4().hex}.jpg"
    await put(store, key, numbered_jpeg(1))
    assert_error(await http.get(f"/showimage/{key}", headers=bob.headers), 404, "RESOURCE_NOT_FOUND")
    assert_error(
        await http.get(f"/showimage/{key}", params={"token": bob.access_token}), 404, "RESOURCE_NOT_FOUND"
    )
    # Bob's prefix, then a way out of it.
    sneaky = f"/showimage/{bob.account_uuid}/%2e%2e/{key}"
    assert_error(await http.get(sneaky, headers=bob.headers), 404, "RESOURCE_NOT_FOUND")
    encoded_slash = f"/showimage/{bob.account_uuid}%2F..%2F{key}"
    assert_error(await http.get(encoded_slash, headers=bob.headers), 404, "RESOURCE_NOT_FOUND")


@pytest.mark.parametrize(
    "path",
    [
        "{me}/%2e%2e/%2e%2e/etc/passwd.jpg",
        "{me}/../x.jpg",
        "/etc/passwd",
        "%2Fetc%2Fpasswd.jpg",
        "{me}%5Calerts%5Cx.jpg",
        "{me}//x.jpg",
        "{me}/./x.jpg",
        "{me}/",
        "{me}",
        "x.jpg",
        "{me}/notes.txt",
        "{me}/no-extension",
        "{me}/missing.jpg",
        "{me}/%00.jpg",
    ],
)
async def test_paths_outside_my_images_are_404(
    http: httpx.AsyncClient, store: ObjectStore, shared: Account, path: str
) -> None:
    await put(store, f"{shared.account_uuid}/notes.txt", b"secret notes")
    await put(store, f"{shared.account_uuid}/no-extension", b"secret")
    response = await http.get("/showimage/" + path.format(me=shared.account_uuid), headers=shared.headers)
    assert_error(response, 404, "RESOURCE_NOT_FOUND")
    assert b"secret" not in response.content and b"root:" not in response.content


async def test_showimage_needs_a_token(http: httpx.AsyncClient, alice: Account) -> None:
    assert_error(await http.get(f"/showimage/{alice.account_uuid}/x.jpg"), 401, "AUTH_REQUIRED")


# Signed links: what LINE's servers and a mail reader open, with no token.


@pytest.fixture(scope="module")
def link_signer(system: System) -> ImageLinkSigner:
    """The signer of the key file the notifier created in the shared data dir at its start."""
    key_file = system.data_dir / "image-link.key"
    assert key_file.is_file() and key_file.stat().st_mode & 0o777 == 0o600
    return ImageLinkSigner(load_or_create_link_key(key_file))


def signed_path(url: str) -> str:
    split = urlsplit(url)
    return f"{split.path}?{split.query}"


async def test_signed_link_serves_the_image_without_a_token(
    http: httpx.AsyncClient, store: ObjectStore, alice: Account, link_signer: ImageLinkSigner
) -> None:
    jpeg = numbered_jpeg(3)
    key = f"{alice.account_uuid}/alerts/{uuid.uuid4().hex} 1.jpg"
    await put(store, key, jpeg)
    response = await http.get(signed_path(link_signer.url("https://vf.example.com", key, 600)))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/jpeg" and response.content == jpeg
    assert (await http.get(f"/showimage/{key}", headers=alice.headers)).content == jpeg  # token still works


async def test_bad_expired_or_foreign_signatures_are_404(
    http: httpx.AsyncClient, store: ObjectStore, alice: Account, bob: Account, link_signer: ImageLinkSigner
) -> None:
    key = f"{alice.account_uuid}/alerts/{uuid.uuid4().hex}.jpg"
    other = f"{alice.account_uuid}/alerts/{uuid.uuid4().hex}.jpg"
    bobs = f"{bob.account_uuid}/alerts/{uuid.uuid4().hex}.jpg"
    for each in (key, other, bobs):
        await put(store, each, numbered_jpeg(5))
    exp = int(time.time()) + 600
    sig = link_signer.sign(key, exp)
    past = int(time.time()) - 1
    stranger = ImageLinkSigner(bytes(32))
    refused: list[tuple[str, dict[str, Any]]] = [
        (key, {"exp": exp, "sig": sig[:-1] + ("A" if sig[-1] != "A" else "B")}),  # tampered signature
        (key, {"exp": exp + 1, "sig": sig}),  # tampered expiry
        (key, {"exp": past, "sig": link_signer.sign(key, past)}),  # expired
        (other, {"exp": exp, "sig": sig}),  # another key of the same account
        (bobs, {"exp": exp, "sig": sig}),  # another account's key
        (key, {"exp": exp, "sig": stranger.sign(key, exp)}),  # not our secret
        (key, {"exp": exp}),
        (key, {"sig": sig}),
        (key, {"exp": "soon", "sig": sig}),
        (key, {"exp": f"{exp}.0", "sig": sig}),
        (key, {"exp": exp, "sig": sig * 3}),
    ]
    for path, params in refused:
        response = await http.get(f"/showimage/{path}", params=params)
        assert_error(response, 404, "RESOURCE_NOT_FOUND")
        assert not response.content.startswith(b"\xff\xd8"), params
    # A refused signature with the owner's token still works like the token alone; bob's does not.
    with_token = await http.get(
        f"/showimage/{key}", params={"exp": exp + 1, "sig": sig}, headers=alice.headers
    )
    assert with_token.status_code == 200
    foreign = await http.get(f"/showimage/{bobs}", params={"exp": exp, "sig": sig}, headers=alice.headers)
    assert_error(foreign, 404, "RESOURCE_NOT_FOUND")


async def test_path_checks_hold_for_signed_links(
    http: httpx.AsyncClient, store: ObjectStore, alice: Account, link_signer: ImageLinkSigner
) -> None:
    await put(store, f"{alice.account_uuid}/notes.txt", b"secret notes")
    for path in (f"{alice.account_uuid}/notes.txt", f"{alice.account_uuid}/../x.jpg", "x.jpg"):
        response = await http.get(signed_path(link_signer.url("https://x", path, 600)))
        assert_error(response, 404, "RESOURCE_NOT_FOUND")
        assert b"secret" not in response.content


async def test_picture_link_in_an_alert_mail_opens_without_a_token(
    http: httpx.AsyncClient, system: System, store: ObjectStore, alice: Account
) -> None:
    address = f"{alice.username}@example.com"
    added = await http.post(
        "/email_recipients",
        json={"email": address, "name": "Guard", "notification_types": ["alerts"], "active": True},
        headers=alice.headers,
    )
    assert added.status_code == 201, added.text
    [verification] = await system.smtp.wait_for(address, 1, timeout=20)
    verified = await http.get("/email_recipients/verify", params={"token": verification_token(verification)})
    assert verified.status_code == 200
    camera = await create_camera(http, alice)
    jpeg = numbered_jpeg(9)
    key = f"{alice.account_uuid}/alerts/{uuid.uuid4().hex}.jpg"
    await put(store, key, jpeg)
    created = await http.post(
        "/notifications",
        json={
            "camera_id": camera["id"],
            "message": "Person at the gate",
            "image_path": key,
            "detection_type": "person",
            "confidence": 0.9,
        },
        headers=alice.headers,
    )
    assert created.status_code == 201, created.text

    [alert] = (await system.smtp.wait_for(address, 2, timeout=20))[1:]
    text = alert.message.get_body(preferencelist=("plain",))
    assert text is not None
    found = re.search(r"View picture: (\S+)", text.get_content())
    assert found, text.get_content()
    picture = await http.get(signed_path(found[1]))  # no token: as a mail reader opens it
    assert picture.status_code == 200, picture.text
    assert picture.content == jpeg
