"""LINE Messaging API: check a channel access token, push alert messages and test messages.

Push classification: 2xx sent; 429, 5xx and network errors retried; any other 4xx permanent.
Each push carries `X-Line-Retry-Key` (stable per outbox row), so when a retried request was
already accepted LINE answers 409 and we count it as sent instead of pushing twice.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import httpx

from services.notifier.failures import DeliveryError
from services.notifier.mail import alert_lines
from services.notifier.models import Notification
from visionflow.errors import ErrorCode, VisionFlowError

log = logging.getLogger(__name__)

VERIFY_TIMEOUT_S = 3.0
MAX_TEXT_CHARS = 5000
MAX_IMAGE_URL_CHARS = 2000  # LINE's limit for image message URLs
_RETRY_KEY_NAMESPACE = uuid.UUID("5f0c8d36-3c1e-4b7e-9a57-0d2b3c4e5f60")


class LineClient:
    """A small httpx client for the push and bot-info endpoints."""

    def __init__(self, base_url: str, *, timeout_s: float = 10.0) -> None:
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout_s)

    async def close(self) -> None:
        await self._client.aclose()

    async def verify(self, token: str) -> bool:
        """True when LINE accepts the token (GET /v2/bot/info answers 200) within 3 s."""
        try:
            reply = await self._client.get(
                "/v2/bot/info", headers={"Authorization": f"Bearer {token}"}, timeout=VERIFY_TIMEOUT_S
            )
        except httpx.HTTPError as error:
            log.info("LINE token check failed: %r", error)
            return False
        return reply.status_code == 200

    async def push(self, *, token: str, to: str, messages: list[dict[str, Any]], retry_key: str) -> None:
        try:
            reply = await self._client.post(
                "/v2/bot/message/push",
                json={"to": to, "messages": messages},
                headers={"Authorization": f"Bearer {token}", "X-Line-Retry-Key": retry_key},
            )
        except httpx.HTTPError as error:
            raise DeliveryError(f"LINE unreachable: {error!r}", permanent=False) from None
        status = reply.status_code
        if 200 <= status < 300:
            return
        if status == 409 and reply.headers.get("x-line-accepted-request-id"):
            return  # accepted earlier under the same retry key
        detail = f"LINE answered {status}: {reply.text[:200]}"
        raise DeliveryError(detail, permanent=not (status == 429 or status >= 500), status=status)


TEST_MESSAGE = "VisionFlow: test message. Alerts for this target will arrive here."
LINE_DOWN = "LINE is not reachable right now; try again shortly"


async def send_test(client: LineClient, *, token: str, to: str) -> None:
    """Push the test message now; a refusal becomes a clear error for the caller.

    LINE refusing the token (401/403) or the target (other 4xx) is VALIDATION_ERROR naming the
    field; LINE unreachable, throttling or failing (429, 5xx) is SERVICE_UNAVAILABLE.
    """
    if not to:
        raise VisionFlowError(ErrorCode.VALIDATION_ERROR, "target: this LINE target has no user or group id")
    try:
        await client.push(
            token=token, to=to, messages=[{"type": "text", "text": TEST_MESSAGE}], retry_key=str(uuid.uuid4())
        )
    except DeliveryError as error:
        if not error.permanent:
            raise VisionFlowError(ErrorCode.SERVICE_UNAVAILABLE, LINE_DOWN, retry_after=30) from None
        if error.status in (401, 403):
            raise VisionFlowError(
                ErrorCode.VALIDATION_ERROR, "token: LINE refused this channel access token"
            ) from None
        raise VisionFlowError(
            ErrorCode.VALIDATION_ERROR, "target: LINE refused to push to this target"
        ) from None


def retry_key(*, delivery_id: int, account_uuid: str, created_iso: str) -> str:
    """A UUID that stays the same for every attempt of one outbox row."""
    return str(uuid.uuid5(_RETRY_KEY_NAMESPACE, f"{account_uuid}:{delivery_id}:{created_iso}"))


def alert_messages(notification: Notification, *, image_url: str) -> list[dict[str, Any]]:
    """A text message, plus an image message when there is a (signed) snapshot link and it is
    https: LINE requires https and fetches the picture without any VisionFlow token."""
    facts = "\n".join(f"{label}: {value}" for label, value in alert_lines(notification))
    text = f"{notification.message}\n{facts}"[:MAX_TEXT_CHARS]
    messages: list[dict[str, Any]] = [{"type": "text", "text": text}]
    if image_url.startswith("https://") and len(image_url) <= MAX_IMAGE_URL_CHARS:
        messages.append({"type": "image", "originalContentUrl": image_url, "previewImageUrl": image_url})
    return messages
