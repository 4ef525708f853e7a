"""The one failure type of a delivery attempt: retry later, or give up on the row."""

from __future__ import annotations


class DeliveryError(Exception):
    """A send that did not succeed; `permanent` means retrying cannot help (e.g. LINE 400)."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
