"""`/showimage`: the caller's own images from the object store, and nothing else."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

import httpx
import nats
import pytest
from nats.js.errors import BadRequestError, BucketNotFoundError
from nats.js.object_store import ObjectStore

from tests.conftest import System
from tests.e2e.helpers import Account, assert_error
from tests.e2e.mjpeg import numbered_jpeg
from visionflow import subjects


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
