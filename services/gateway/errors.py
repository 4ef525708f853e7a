"""The one place error JSON is built: `{"status": "error", "message", "error_code"}`.

Exception handlers turn `VisionFlowError` (raised by routes or rebuilt from a failed RPC),
request validation failures, Starlette's 404/405 and anything unexpected into the envelope.
No route builds error JSON itself.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from visionflow.errors import ErrorCode, VisionFlowError

log = logging.getLogger(__name__)

# Messages the contract fixes word for word, whatever a service said.
CANONICAL_MESSAGES: dict[ErrorCode, str] = {
    ErrorCode.CAMERA_NOT_FOUND: "攝影機不存在或無權限訪問",
}
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
_CODE_BY_HTTP_STATUS: dict[int, str] = {
    400: ErrorCode.VALIDATION_ERROR,
    401: ErrorCode.AUTH_REQUIRED,
    403: ErrorCode.INSUFFICIENT_PERMISSIONS,
    404: ErrorCode.RESOURCE_NOT_FOUND,
    405: METHOD_NOT_ALLOWED,
    409: ErrorCode.CONFLICT,
    413: ErrorCode.VALIDATION_ERROR,
    415: ErrorCode.VALIDATION_ERROR,
    422: ErrorCode.VALIDATION_ERROR,
    429: ErrorCode.RATE_LIMIT_EXCEEDED,
    503: ErrorCode.SERVICE_UNAVAILABLE,
}
_MESSAGE_BY_HTTP_STATUS: dict[int, str] = {
    404: "Resource not found",
    405: "Method not allowed",
    413: "Request body too large",
}
_MAX_LISTED_PROBLEMS = 5


def error_response(
    status_code: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The error envelope with the given HTTP status."""
    all_headers = dict(headers or {})
    if status_code == 401:
        all_headers.setdefault("WWW-Authenticate", "Bearer")
    return JSONResponse(
        {"status": "error", "message": message, "error_code": str(code)},
        status_code=status_code,
        headers=all_headers,
    )


def response_for(error: VisionFlowError) -> JSONResponse:
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after is not None else None
    message = CANONICAL_MESSAGES.get(error.code, error.message)
    return error_response(error.http_status, error.code.value, message, headers)


def describe_validation(errors: Sequence[Mapping[str, Any]]) -> str:
    """A human message naming each failing field and why, e.g. `confidence: Input should be ...`."""
    problems: list[str] = []
    for error in errors:
        if error.get("type") == "json_invalid":
            return "Malformed JSON body"
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
        message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
        if not location and error.get("type") == "missing":
            problems.append("Request body is required")
            continue
        field = ".".join(location) if location else "body"
        problems.append(f"{field}: {message}")
    if not problems:
        return "Invalid request"
    listed = problems[:_MAX_LISTED_PROBLEMS]
    more = len(problems) - len(listed)
    return "; ".join(listed) + (f" (and {more} more)" if more > 0 else "")


async def _visionflow_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, VisionFlowError)
    if exc.code in (ErrorCode.SERVER_ERROR, ErrorCode.SERVICE_UNAVAILABLE):
        log.warning("upstream failure code=%s message=%s", exc.code.value, exc.message)
    return response_for(exc)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(422, ErrorCode.VALIDATION_ERROR, describe_validation(exc.errors()))


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    code = _CODE_BY_HTTP_STATUS.get(status, ErrorCode.SERVER_ERROR if status >= 500 else "HTTP_ERROR")
    default = _MESSAGE_BY_HTTP_STATUS.get(status, "Request failed")
    message = exc.detail if isinstance(exc.detail, str) and status not in _MESSAGE_BY_HTTP_STATUS else default
    return error_response(status, code, message, exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, ErrorCode.SERVER_ERROR, "Internal server error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(VisionFlowError, _visionflow_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
