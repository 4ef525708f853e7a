"""The one error model: API.md's error codes, their HTTP and gRPC statuses, and the exception.

Servicers raise `VisionFlowError`; `visionflow.rpc` turns it into a gRPC status with the code in
trailing metadata (`vf-error-code`), and the gateway turns that back into the REST envelope.
"""

from __future__ import annotations

from enum import StrEnum

import grpc


class ErrorCode(StrEnum):
    AUTH_REQUIRED = "AUTH_REQUIRED"
    INVALID_TOKEN = "INVALID_TOKEN"  # noqa: S105 - an error code, not a secret
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    INSUFFICIENT_PERMISSIONS = "INSUFFICIENT_PERMISSIONS"
    RESOURCE_NOT_FOUND = "RESOURCE_NOT_FOUND"
    CAMERA_NOT_FOUND = "CAMERA_NOT_FOUND"
    VALIDATION_ERROR = "VALIDATION_ERROR"
    RATE_LIMIT_EXCEEDED = "RATE_LIMIT_EXCEEDED"
    USERNAME_TAKEN = "USERNAME_TAKEN"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    CONFLICT = "CONFLICT"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    SERVER_ERROR = "SERVER_ERROR"


# code -> (HTTP status, gRPC status)
_STATUS: dict[ErrorCode, tuple[int, grpc.StatusCode]] = {
    ErrorCode.AUTH_REQUIRED: (401, grpc.StatusCode.UNAUTHENTICATED),
    ErrorCode.INVALID_TOKEN: (401, grpc.StatusCode.UNAUTHENTICATED),
    ErrorCode.INVALID_CREDENTIALS: (401, grpc.StatusCode.UNAUTHENTICATED),
    ErrorCode.INSUFFICIENT_PERMISSIONS: (403, grpc.StatusCode.PERMISSION_DENIED),
    ErrorCode.RESOURCE_NOT_FOUND: (404, grpc.StatusCode.NOT_FOUND),
    ErrorCode.CAMERA_NOT_FOUND: (404, grpc.StatusCode.NOT_FOUND),
    ErrorCode.VALIDATION_ERROR: (422, grpc.StatusCode.INVALID_ARGUMENT),
    ErrorCode.RATE_LIMIT_EXCEEDED: (429, grpc.StatusCode.RESOURCE_EXHAUSTED),
    ErrorCode.USERNAME_TAKEN: (409, grpc.StatusCode.ALREADY_EXISTS),
    ErrorCode.EMAIL_TAKEN: (409, grpc.StatusCode.ALREADY_EXISTS),
    ErrorCode.CONFLICT: (409, grpc.StatusCode.ALREADY_EXISTS),
    ErrorCode.SERVICE_UNAVAILABLE: (503, grpc.StatusCode.UNAVAILABLE),
    ErrorCode.SERVER_ERROR: (500, grpc.StatusCode.INTERNAL),
}

# Used when a gRPC error arrives without our metadata (e.g. a transport failure).
_FROM_GRPC: dict[grpc.StatusCode, ErrorCode] = {
    grpc.StatusCode.UNAUTHENTICATED: ErrorCode.INVALID_TOKEN,
    grpc.StatusCode.PERMISSION_DENIED: ErrorCode.INSUFFICIENT_PERMISSIONS,
    grpc.StatusCode.NOT_FOUND: ErrorCode.RESOURCE_NOT_FOUND,
    grpc.StatusCode.INVALID_ARGUMENT: ErrorCode.VALIDATION_ERROR,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ErrorCode.RATE_LIMIT_EXCEEDED,
    grpc.StatusCode.ALREADY_EXISTS: ErrorCode.CONFLICT,
    grpc.StatusCode.UNAVAILABLE: ErrorCode.SERVICE_UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED: ErrorCode.SERVICE_UNAVAILABLE,
}

ERROR_CODE_KEY = "vf-error-code"
RETRY_AFTER_KEY = "vf-retry-after"


class VisionFlowError(Exception):
    """An error the caller can act on: a documented code and a human message."""

    def __init__(self, code: ErrorCode, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after

    @property
    def http_status(self) -> int:
        return _STATUS[self.code][0]

    @property
    def grpc_status(self) -> grpc.StatusCode:
        return _STATUS[self.code][1]

    def __repr__(self) -> str:
        return f"VisionFlowError({self.code.value}, {self.message!r})"


def code_from_grpc(status: grpc.StatusCode | None, metadata_code: str | None) -> ErrorCode:
    """The ErrorCode for a gRPC failure: our metadata first, else by gRPC status."""
    if metadata_code:
        try:
            return ErrorCode(metadata_code)
        except ValueError:
            pass
    if status is None:
        return ErrorCode.SERVER_ERROR
    return _FROM_GRPC.get(status, ErrorCode.SERVER_ERROR)


def http_status_of(code: ErrorCode) -> int:
    return _STATUS[code][0]
