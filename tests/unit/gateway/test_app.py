"""The gateway app in-process: auth, the error envelope, validation and the body limit.

Services are unreachable here on purpose (127.0.0.1:1): everything checked happens before an
RPC, or checks that a failed RPC becomes a clean 503 envelope instead of a 500.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from services.gateway.app import create_app
from services.gateway.clients import Clients
from services.gateway.config import GatewaySettings
from visionflow.errors import ErrorCode, VisionFlowError
from visionflow.rpc import open_channel
from visionflow.tokens import ACCESS_TYPE, REFRESH_TYPE, TokenVerifier, key_id, public_pem, sign_token
from visionflow.v1 import auth_pb2_grpc, camera_pb2_grpc, media_pb2_grpc, notifier_pb2_grpc

UNREACHABLE = "127.0.0.1:1"
KEY = Ed25519PrivateKey.generate()
KID = key_id(KEY)


def token(token_type: str = ACCESS_TYPE, ttl: int = 600, key: Ed25519PrivateKey = KEY) -> str:
    return sign_token(key, KID, subject="acc-1", token_type=token_type, ttl_seconds=ttl)


async def local_keys() -> dict[str, str]:
    return {KID: public_pem(KEY)}


def build_app(max_body_bytes: int = 4096) -> tuple[FastAPI, Clients]:
    channel = open_channel(UNREACHABLE)
    clients = Clients(
        auth=auth_pb2_grpc.AuthServiceStub(channel),
        camera=camera_pb2_grpc.CameraServiceStub(channel),
        notifier=notifier_pb2_grpc.NotifierServiceStub(channel),
        ingest=media_pb2_grpc.IngestServiceStub(channel),
        verifier=TokenVerifier(local_keys),
        rpc_timeout=2.0,
        channels=[channel],
    )
    app = create_app(GatewaySettings(max_body_bytes=max_body_bytes), clients)

    @app.get("/test/boom")
    async def boom() -> None:
        raise RuntimeError("secret internal detail")

    @app.get("/test/limited")
    async def limited() -> None:
        raise VisionFlowError(ErrorCode.RATE_LIMIT_EXCEEDED, "slow down", retry_after=7)

    return app, clients


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app, clients = build_app()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            yield http
    await clients.close()


def envelope(response: httpx.Response) -> dict[str, str]:
    body: dict[str, str] = response.json()
    assert set(body) == {"status", "message", "error_code"}
    assert body["status"] == "error"
    return body


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


async def test_missing_token_is_auth_required(client: httpx.AsyncClient) -> None:
    response = await client.get("/cameras")
    assert response.status_code == 401
    assert envelope(response)["error_code"] == "AUTH_REQUIRED"


@pytest.mark.parametrize(
    "bad",
    [
        token(key=Ed25519PrivateKey.generate()),  # signed by someone else under our kid
        token(ttl=-60),
        token(REFRESH_TYPE),
        "abc.def.ghi",
        "x" * 5000,
    ],
    ids=["forged", "expired", "refresh", "garbage", "huge"],
)
async def test_bad_tokens_are_invalid_token(client: httpx.AsyncClient, bad: str) -> None:
    response = await client.get("/cameras", headers=bearer(bad))
    assert response.status_code == 401
    assert envelope(response)["error_code"] == "INVALID_TOKEN"


async def test_a_valid_token_reaches_the_service_and_an_outage_is_503(client: httpx.AsyncClient) -> None:
    response = await client.get("/cameras", headers=bearer(token()))
    assert response.status_code == 503
    body = envelope(response)
    assert body["error_code"] == "SERVICE_UNAVAILABLE"
    assert body["message"] == "Service temporarily unavailable"


async def test_validation_errors_name_the_field(client: httpx.AsyncClient) -> None:
    body = {"camera_id": 1, "message": "m", "detection_type": "person", "confidence": 2}
    response = await client.post("/notifications", json=body, headers=bearer(token()))
    assert response.status_code == 422
    error = envelope(response)
    assert error["error_code"] == "VALIDATION_ERROR"
    assert error["message"] == "confidence: Input should be less than or equal to 1"


async def test_malformed_json_is_a_validation_error(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/cameras", content=b"{nope", headers={**bearer(token()), "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert envelope(response)["message"] == "Malformed JSON body"


async def test_declared_oversized_body_is_413(client: httpx.AsyncClient) -> None:
    response = await client.post("/cameras", content=b"x" * 5000, headers=bearer(token()))
    assert response.status_code == 413
    assert envelope(response) == {
        "status": "error",
        "message": "Request body too large",
        "error_code": "VALIDATION_ERROR",
    }


async def test_streamed_oversized_body_is_413(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b" " * 1000

    response = await client.post(
        "/cameras", content=chunks(), headers={**bearer(token()), "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert envelope(response)["error_code"] == "VALIDATION_ERROR"


async def test_unknown_route_and_wrong_method(client: httpx.AsyncClient) -> None:
    missing = await client.get("/nowhere")
    assert missing.status_code == 404
    assert envelope(missing)["error_code"] == "RESOURCE_NOT_FOUND"
    wrong = await client.delete("/cameras")
    assert wrong.status_code == 405
    assert envelope(wrong)["error_code"] == "METHOD_NOT_ALLOWED"


async def test_unexpected_errors_are_500_without_details(client: httpx.AsyncClient) -> None:
    response = await client.get("/test/boom")
    assert response.status_code == 500
    body = envelope(response)
    assert body == {"status": "error", "message": "Internal server error", "error_code": "SERVER_ERROR"}
    assert "secret" not in response.text and "Traceback" not in response.text


async def test_retry_after_header_comes_from_the_error(client: httpx.AsyncClient) -> None:
    response = await client.get("/test/limited")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert envelope(response)["error_code"] == "RATE_LIMIT_EXCEEDED"


async def test_showimage_refuses_traversal_before_touching_the_store(client: httpx.AsyncClient) -> None:
    response = await client.get("/showimage/acc-1/%2e%2e/other/x.jpg", headers=bearer(token()))
    assert response.status_code == 404
    assert envelope(response)["error_code"] == "RESOURCE_NOT_FOUND"


async def test_pages_and_openapi_need_no_services(client: httpx.AsyncClient) -> None:
    for path in ("/", "/register"):
        page = await client.get(path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    spec = (await client.get("/openapi.json")).json()
    assert {"/login", "/register", "/cameras", "/showimage/{image_path}"} <= set(spec["paths"])
