"""Bearer tokens at the gateway: missing, malformed, forged, expired, alg:none, wrong type."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from tests.conftest import System
from tests.e2e.helpers import Account, assert_error, camera_body, create_camera
from visionflow.tokens import ACCESS_TYPE, ISSUER, key_id, public_pem, sign_token

# Every route that needs a caller, with a body that would be valid.
PROTECTED: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/cameras", None),
    ("POST", "/cameras", camera_body()),
    ("PATCH", "/cameras/1", {"name": "x"}),
    ("DELETE", "/cameras/1", None),
    ("POST", "/rectangles/1", {"regions": []}),
    ("GET", "/rectangles/1", None),
    ("DELETE", "/rectangles/1", None),
    ("GET", "/mask/1", None),
    ("GET", "/notifications", None),
    (
        "POST",
        "/notifications",
        {"camera_id": 1, "message": "m", "detection_type": "person", "confidence": 0.5},
    ),
    ("PATCH", "/notifications/1", {"status": "read"}),
    ("GET", "/email_recipients", None),
    ("POST", "/email_recipients", {"email": "a@example.com", "name": "a"}),
    ("PATCH", "/email_recipients/1", {"active": False}),
    ("DELETE", "/email_recipients/1", None),
    ("GET", "/line_tokens", None),
    ("POST", "/line_tokens", {"token": "abcdefgh12345678", "name": "n"}),
    ("DELETE", "/line_tokens/1", None),
    ("GET", "/get_stream/1", None),
    ("GET", "/recognized_stream/1", None),
    ("GET", "/snapshot/1.jpg", None),
    ("GET", "/snapshot_ui/1", None),
    ("GET", "/showimage/someone/x.jpg", None),
]


def auth_key(system: System) -> Ed25519PrivateKey:
    key = load_pem_private_key(Path(system.data_dir, "jwt.pem").read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def hs256(claims: dict[str, Any], kid: str, secret: bytes) -> str:
    """The algorithm-confusion attack: HMAC 'signed' with the public key (PyJWT refuses to make it)."""
    signing_input = f"{b64({'alg': 'HS256', 'typ': 'JWT', 'kid': kid})}.{b64(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def claims_for(account: Account, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": account.account_uuid,
        "typ": ACCESS_TYPE,
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
        "username": account.username,
    }
    claims.update(overrides)
    return claims


def bad_tokens(system: System, account: Account) -> dict[str, str]:
    """Tokens that name `account` but must all be refused."""
    real = auth_key(system)
    kid = key_id(real)
    other = Ed25519PrivateKey.generate()
    header, payload, signature = account.access_token.split(".")
    tampered_payload = b64({**json.loads(base64.urlsafe_b64decode(payload + "==")), "username": "admin"})
    return {
        "forged_other_key": jwt.encode(claims_for(account), other, algorithm="EdDSA", headers={"kid": kid}),
        "expired": sign_token(
            real, kid, subject=account.account_uuid, token_type=ACCESS_TYPE, ttl_seconds=-120
        ),
        "alg_none": f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{b64(claims_for(account))}.",
        "hs256_with_public_key": hs256(claims_for(account), kid, public_pem(real).encode()),
        "tampered_payload": f"{header}.{tampered_payload}.{signature}",
        "refresh_as_access": account.refresh_token,
        "wrong_issuer": jwt.encode(
            claims_for(account, iss="evil"), real, algorithm="EdDSA", headers={"kid": kid}
        ),
        "garbage": "not-a-jwt",
    }


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED)
async def test_every_protected_route_needs_a_bearer_token(
    http: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = await http.request(method, path, json=body)
    assert_error(response, 401, "AUTH_REQUIRED")
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header", ["Basic dXNlcjpwYXNz", "Bearer", "bearer", "Token abc", "Bearer a b", "Bearer,abc"]
)
async def test_a_malformed_authorization_header_is_auth_required(
    http: httpx.AsyncClient, header: str
) -> None:
    assert_error(await http.get("/cameras", headers={"Authorization": header}), 401, "AUTH_REQUIRED")


async def test_forged_expired_and_misused_tokens_are_invalid_and_change_nothing(
    http: httpx.AsyncClient, system: System, alice: Account
) -> None:
    camera = await create_camera(http, alice, name="keep-me")
    for name, token in bad_tokens(system, alice).items():
        headers = {"Authorization": f"Bearer {token}"}
        listed = await http.get("/cameras", headers=headers)
        assert_error(listed, 401, "INVALID_TOKEN")
        deleted = await http.delete(f"/cameras/{camera['id']}", headers=headers)
        assert_error(deleted, 401, "INVALID_TOKEN")
        renamed = await http.patch(f"/cameras/{camera['id']}", json={"name": name}, headers=headers)
        assert_error(renamed, 401, "INVALID_TOKEN")
        via_query = await http.get(f"/mask/{camera['id']}", params={"token": token})
        assert_error(via_query, 401, "INVALID_TOKEN")
    cameras = (await http.get("/cameras", headers=alice.headers)).json()["data"]
    assert [(c["id"], c["name"]) for c in cameras] == [(camera["id"], "keep-me")]


async def test_an_expired_token_says_so(http: httpx.AsyncClient, system: System, alice: Account) -> None:
    token = bad_tokens(system, alice)["expired"]
    response = await http.get("/cameras", headers={"Authorization": f"Bearer {token}"})
    assert_error(response, 401, "INVALID_TOKEN", "Token has expired")


async def test_a_token_signed_with_the_real_key_is_accepted(
    http: httpx.AsyncClient, system: System, alice: Account
) -> None:
    """Control for the forgery cases above: only the signature and claims made them fail."""
    real = auth_key(system)
    token = jwt.encode(claims_for(alice), real, algorithm="EdDSA", headers={"kid": key_id(real)})
    response = await http.get("/cameras", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


async def test_query_token_works_only_on_browser_routes(http: httpx.AsyncClient, alice: Account) -> None:
    camera = await create_camera(http, alice)
    assert_error(await http.get("/cameras", params={"token": alice.access_token}), 401, "AUTH_REQUIRED")
    assert_error(
        await http.get(f"/rectangles/{camera['id']}", params={"token": alice.access_token}),
        401,
        "AUTH_REQUIRED",
    )
    mask = await http.get(f"/mask/{camera['id']}", params={"token": alice.access_token})
    assert mask.status_code == 200 and mask.headers["content-type"] == "image/png"
    page = await http.get(f"/snapshot_ui/{camera['id']}", params={"token": alice.access_token})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
