"""Accounts through the gateway: registration page, register, login, rate limit, refresh, logout."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.e2e.helpers import (
    PASSWORD,
    Account,
    assert_error,
    forwarded_for,
    login,
    new_account,
    register,
    unique_username,
)


def fresh(prefix: str = "reg") -> Account:
    username = unique_username(prefix)
    return Account(username=username, email=f"{username}@example.com", password=PASSWORD)


async def test_register_page_is_a_form_posting_json(http: httpx.AsyncClient) -> None:
    response = await http.get("/register")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    for element in ('id="register-form"', 'name="username"', 'name="email"', 'name="password"'):
        assert element in page
    script = await http.get("/static/register.js")
    assert script.status_code == 200
    assert 'fetch("/register"' in script.text


async def test_landing_page_links_register_and_docs(http: httpx.AsyncClient) -> None:
    response = await http.get("/")
    assert response.status_code == 200
    assert 'href="/register"' in response.text and 'href="/docs"' in response.text
    docs = await http.get("/docs")
    assert docs.status_code == 200
    # Swagger UI comes from this server, not a CDN: /docs works offline.
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert assets and all(asset.startswith("/") for asset in assets), assets
    for asset in assets:
        assert (await http.get(asset)).status_code == 200, asset
    schema = (await http.get("/openapi.json")).json()
    assert "/cameras" in schema["paths"] and "/rectangles/{camera_id}" in schema["paths"]


async def test_register_answers_201_with_the_documented_body(http: httpx.AsyncClient) -> None:
    response = await register(http, fresh())
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"message", "account_uuid", "status"}
    assert body["message"] == "User registered successfully"
    assert body["status"] == "success"
    assert len(body["account_uuid"]) == 36 and body["account_uuid"][14] == "4"


async def test_register_twice_is_409_username_already_exists(http: httpx.AsyncClient) -> None:
    account = fresh()
    assert (await register(http, account)).status_code == 201
    again = Account(account.username, f"other_{account.email}", PASSWORD)
    assert_error(await register(http, again), 409, "USERNAME_TAKEN", "Username already exists")


async def test_register_with_a_used_email_is_409_email_taken(http: httpx.AsyncClient) -> None:
    account = fresh()
    assert (await register(http, account)).status_code == 201
    other = Account(unique_username("other"), account.email, PASSWORD)
    assert_error(await register(http, other), 409, "EMAIL_TAKEN")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"username": "ab"}, "username"),
        ({"username": "bad name!"}, "username"),
        ({"username": "x" * 33}, "username"),
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "password"),
        ({"password": 12345678}, "password"),
        ({"username": None}, "username"),
    ],
)
async def test_register_rejects_invalid_fields_naming_them(
    http: httpx.AsyncClient, change: dict[str, object], field: str
) -> None:
    body: dict[str, object] = {
        "username": unique_username("v"),
        "email": "v@example.com",
        "password": PASSWORD,
    }
    body.update(change)
    response = await http.post("/register", json=body)
    assert_error(response, 422, "VALIDATION_ERROR")
    assert response.json()["message"].startswith(field)


async def test_register_without_body_or_with_broken_json_is_422(http: httpx.AsyncClient) -> None:
    assert_error(await http.post("/register"), 422, "VALIDATION_ERROR")
    broken = await http.post(
        "/register", content=b'{"username": ', headers={"Content-Type": "application/json"}
    )
    assert_error(broken, 422, "VALIDATION_ERROR", "Malformed JSON body")


async def test_login_returns_tokens_that_open_the_api(http: httpx.AsyncClient) -> None:
    account = fresh()
    await register(http, account)
    response = await login(http, account.username, PASSWORD, headers=forwarded_for())
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Login successful"
    assert body["status"] == "success"
    assert {"account_uuid", "access_token", "refresh_token"} <= set(body)
    cameras = await http.get("/cameras", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert cameras.status_code == 200


async def test_wrong_password_and_unknown_user_get_the_same_401(http: httpx.AsyncClient) -> None:
    account = fresh()
    await register(http, account)
    wrong = await login(http, account.username, "wrong-password", headers=forwarded_for())
    unknown = await login(http, unique_username("ghost"), "wrong-password", headers=forwarded_for())
    assert_error(wrong, 401, "INVALID_CREDENTIALS")
    assert_error(unknown, 401, "INVALID_CREDENTIALS", wrong.json()["message"])


async def test_repeated_failed_logins_get_429_with_retry_after(http: httpx.AsyncClient) -> None:
    account = fresh("limited")
    await register(http, account)
    address = forwarded_for()
    for _ in range(5):  # VF_AUTH_LOGIN_MAX_ATTEMPTS=5 in the system fixture
        assert_error(
            await login(http, account.username, "nope-nope", headers=address), 401, "INVALID_CREDENTIALS"
        )
    limited = await login(http, account.username, "nope-nope", headers=address)
    assert_error(limited, 429, "RATE_LIMIT_EXCEEDED")
    assert int(limited.headers["Retry-After"]) >= 1
    # Even the right password waits: the lock is on the username, not on the guess.
    right = await login(http, account.username, PASSWORD, headers=forwarded_for())
    assert_error(right, 429, "RATE_LIMIT_EXCEEDED")


async def test_refresh_rotates_and_the_old_refresh_token_stops_working(http: httpx.AsyncClient) -> None:
    account = await new_account(http, "refresh")
    response = await http.post("/token/refresh", json={"refresh_token": account.refresh_token})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    assert body["access_token"] and body["refresh_token"] and body["refresh_token"] != account.refresh_token
    works = await http.get("/cameras", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert works.status_code == 200
    reused = await http.post("/token/refresh", json={"refresh_token": account.refresh_token})
    assert_error(reused, 401, "INVALID_TOKEN")


async def test_refresh_refuses_an_access_token_and_garbage(http: httpx.AsyncClient) -> None:
    account = await new_account(http, "refresh")
    as_access = await http.post("/token/refresh", json={"refresh_token": account.access_token})
    assert_error(as_access, 401, "INVALID_TOKEN")
    assert_error(await http.post("/token/refresh", json={"refresh_token": "x.y.z"}), 401, "INVALID_TOKEN")
    assert_error(await http.post("/token/refresh", json={}), 422, "VALIDATION_ERROR")


async def test_logout_revokes_the_refresh_token(http: httpx.AsyncClient) -> None:
    account = await new_account(http, "logout")
    response = await http.post("/logout", json={"refresh_token": account.refresh_token})
    assert response.status_code == 200 and response.json()["status"] == "success"
    after = await http.post("/token/refresh", json={"refresh_token": account.refresh_token})
    assert_error(after, 401, "INVALID_TOKEN")
