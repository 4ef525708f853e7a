"""Email recipients and LINE targets through the gateway."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import System
from tests.e2e.helpers import ISO_UTC, Account, assert_error, assert_untouched
from tests.support.smtp import verification_token

LINE_TOKEN = "AbCdEf1234567890GhIjKl1234567890"


async def add_recipient(http: httpx.AsyncClient, account: Account, **overrides: Any) -> dict[str, Any]:
    body = {
        "email": "manager@company.com",
        "name": "部門經理",
        "notification_types": ["alerts", "daily_reports"],
        "active": True,
    }
    body.update(overrides)
    response = await http.post("/email_recipients", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    payload: dict[str, Any] = response.json()
    return payload


async def test_add_email_recipient_answers_201_with_the_documented_body(
    http: httpx.AsyncClient, alice: Account
) -> None:
    payload = await add_recipient(http, alice)
    assert payload["status"] == "success" and payload["message"] == "郵件接收者新增成功"
    data = payload["data"]
    assert set(data) == {"id", "email", "verification_sent", "created_at"}
    assert data["email"] == "manager@company.com" and isinstance(data["verification_sent"], bool)
    assert ISO_UTC.match(data["created_at"])


async def test_list_update_and_delete_email_recipients(http: httpx.AsyncClient, alice: Account) -> None:
    created = (await add_recipient(http, alice))["data"]
    listed = (await http.get("/email_recipients", headers=alice.headers)).json()
    assert listed["status"] == "success" and listed["total"] == 1
    item = listed["data"][0]
    assert {
        "id",
        "account_uuid",
        "email",
        "name",
        "active",
        "verified",
        "created_at",
        "last_notification",
    } <= set(item)
    assert (item["id"], item["account_uuid"], item["name"]) == (created["id"], alice.account_uuid, "部門經理")
    assert item["active"] is True and item["verified"] is False and item["last_notification"] is None

    url = f"/email_recipients/{created['id']}"
    updated = await http.patch(url, json={"active": False, "name": "Boss"}, headers=alice.headers)
    assert updated.status_code == 200
    assert (updated.json()["data"]["active"], updated.json()["data"]["name"]) == (False, "Boss")

    deleted = await http.delete(url, headers=alice.headers)
    assert deleted.status_code == 200 and deleted.json()["status"] == "success"
    assert (await http.get("/email_recipients", headers=alice.headers)).json()["total"] == 0
    assert_error(await http.delete(url, headers=alice.headers), 404, "RESOURCE_NOT_FOUND")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "nope"}, "email"),
        ({"email": None}, "email"),
        ({"active": "yes"}, "active"),
        ({"notification_types": "alerts"}, "notification_types"),
        ({"notification_types": ["spam"]}, "notification_types"),
        ({"cc": "x@example.com"}, "cc"),
    ],
)
async def test_add_email_recipient_rejects_bad_input(
    http: httpx.AsyncClient,
    shared: Account,
    shared_camera: dict[str, Any],
    change: dict[str, Any],
    field: str,
) -> None:
    body = {
        "email": "ok@example.com",
        "name": "n",
        "notification_types": ["alerts"],
        "active": True,
        **change,
    }
    response = await http.post("/email_recipients", json=body, headers=shared.headers)
    assert_error(response, 422, "VALIDATION_ERROR")
    assert field in response.json()["message"]
    await assert_untouched(http, shared, shared_camera)


async def test_update_email_recipient_rejects_empty_and_null(http: httpx.AsyncClient, alice: Account) -> None:
    created = (await add_recipient(http, alice))["data"]
    url = f"/email_recipients/{created['id']}"
    assert_error(await http.patch(url, json={}, headers=alice.headers), 422, "VALIDATION_ERROR")
    assert_error(await http.patch(url, json={"active": None}, headers=alice.headers), 422, "VALIDATION_ERROR")
    assert (await http.get("/email_recipients", headers=alice.headers)).json()["data"][0]["active"] is True


async def test_the_mailed_verification_link_verifies_the_recipient(
    http: httpx.AsyncClient, system: System, alice: Account
) -> None:
    address = f"{alice.username}@example.org"
    created = await add_recipient(http, alice, email=address)
    assert created["data"]["verification_sent"] is True
    token = verification_token((await system.smtp.wait_for(address))[0])

    page = await http.get("/email_recipients/verify", params={"token": token})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'data-verified="true"' in page.text and address in page.text
    listed = (await http.get("/email_recipients", headers=alice.headers)).json()["data"]
    assert listed[0]["verified"] is True
    again = await http.get("/email_recipients/verify", params={"token": token})  # one-time link
    assert 'data-verified="false"' in again.text


@pytest.mark.parametrize("token", ["", "not-a-real-token", "x" * 300])
async def test_verify_link_with_a_bad_token_shows_not_verified(http: httpx.AsyncClient, token: str) -> None:
    response = await http.get("/email_recipients/verify", params={"token": token})
    assert response.status_code in (400, 404)
    assert response.headers["content-type"].startswith("text/html")
    assert 'data-verified="false"' in response.text


async def test_add_line_token_answers_201_and_lists_it_masked(
    http: httpx.AsyncClient, alice: Account
) -> None:
    body = {
        "token": LINE_TOKEN,
        "name": "安全監控群組",
        "notification_types": ["alerts"],
        "active": True,
        "target": "U1234567890abcdef1234567890abcdef",
    }
    response = await http.post("/line_tokens", json=body, headers=alice.headers)
    assert response.status_code == 201
    payload = response.json()
    assert payload["status"] == "success" and payload["message"] == "LINE Token 新增成功"
    data = payload["data"]
    assert set(data) == {"id", "name", "token_verified", "created_at"}
    assert data["name"] == "安全監控群組"
    assert data["token_verified"] is True  # the LINE stand-in of the system fixture accepts it
    assert ISO_UTC.match(data["created_at"])

    listed = (await http.get("/line_tokens", headers=alice.headers)).json()
    assert listed["status"] == "success" and listed["total"] == 1
    item = listed["data"][0]
    assert {"id", "account_uuid", "token", "name", "active", "verified", "created_at", "last_used"} <= set(
        item
    )
    assert item["account_uuid"] == alice.account_uuid
    assert (
        item["token"] != LINE_TOKEN
        and LINE_TOKEN not in (await http.get("/line_tokens", headers=alice.headers)).text
    )
    assert item["target"] == body["target"]


async def test_delete_line_token(http: httpx.AsyncClient, alice: Account) -> None:
    created = await http.post("/line_tokens", json={"token": LINE_TOKEN, "name": "n"}, headers=alice.headers)
    token_id = created.json()["data"]["id"]
    deleted = await http.delete(f"/line_tokens/{token_id}", headers=alice.headers)
    assert deleted.status_code == 200 and deleted.json()["status"] == "success"
    assert (await http.get("/line_tokens", headers=alice.headers)).json()["total"] == 0
    assert_error(
        await http.delete(f"/line_tokens/{token_id}", headers=alice.headers), 404, "RESOURCE_NOT_FOUND"
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"token": ""}, "token"),
        ({"token": "has space"}, "token"),
        ({"token": 12345}, "token"),
        ({"active": 0}, "active"),
        ({"target": "bad target!"}, "target"),
        ({"extra": 1}, "extra"),
    ],
)
async def test_add_line_token_rejects_bad_input(
    http: httpx.AsyncClient,
    shared: Account,
    shared_camera: dict[str, Any],
    change: dict[str, Any],
    field: str,
) -> None:
    response = await http.post(
        "/line_tokens", json={"token": LINE_TOKEN, "name": "n", **change}, headers=shared.headers
    )
    assert_error(response, 422, "VALIDATION_ERROR")
    assert field in response.json()["message"]
    await assert_untouched(http, shared, shared_camera)
