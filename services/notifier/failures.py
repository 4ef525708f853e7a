"""The one failure type of a delivery attempt: retry later, or give up on the row."""

from __future__ import annotations


class DeliveryError(Exception):
    """A send that did not succeed; `permanent` means retrying cannot help (e.g. LINE 400);
    `status` is the HTTP status the far end answered (0: none, e.g. unreachable)."""

    def __init__(self, reason: str, *, permanent: bool, status: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.status = status
