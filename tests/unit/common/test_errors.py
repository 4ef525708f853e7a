"""The error model maps every documented code to the HTTP status API.md gives it."""

from __future__ import annotations

import grpc
import pytest

from visionflow.errors import ErrorCode, VisionFlowError, code_from_grpc, http_status_of
from visionflow.logs import scrub_url


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (ErrorCode.AUTH_REQUIRED, 401),
        (ErrorCode.INVALID_TOKEN, 401),
        (ErrorCode.INSUFFICIENT_PERMISSIONS, 403),
        (ErrorCode.RESOURCE_NOT_FOUND, 404),
        (ErrorCode.CAMERA_NOT_FOUND, 404),
        (ErrorCode.VALIDATION_ERROR, 422),
        (ErrorCode.RATE_LIMIT_EXCEEDED, 429),
        (ErrorCode.SERVER_ERROR, 500),
        (ErrorCode.USERNAME_TAKEN, 409),
        (ErrorCode.EMAIL_TAKEN, 409),
    ],
)
def test_documented_http_status(code: ErrorCode, status: int) -> None:
    assert http_status_of(code) == status
    assert VisionFlowError(code, "x").http_status == status


def test_metadata_code_wins_over_grpc_status() -> None:
    assert code_from_grpc(grpc.StatusCode.NOT_FOUND, "CAMERA_NOT_FOUND") is ErrorCode.CAMERA_NOT_FOUND
    assert code_from_grpc(grpc.StatusCode.NOT_FOUND, None) is ErrorCode.RESOURCE_NOT_FOUND
    assert code_from_grpc(grpc.StatusCode.UNKNOWN, "NOT_A_CODE") is ErrorCode.SERVER_ERROR


def test_scrub_url_hides_credentials() -> None:
    assert scrub_url("rtsp://admin:s3cret@10.0.0.5:554/live") == "rtsp://***@10.0.0.5:554/live"
    # A password with @ in it, and credentials in the query, as many cameras take them.
    assert scrub_url("rtsp://admin:p@ss@w0rd@cam:554/x") == "rtsp://***@cam:554/x"
    assert (
        scrub_url("http://cam/snapshot.cgi?user=admin&pwd=s3cret&res=1")
        == "http://cam/snapshot.cgi?user=***&pwd=***&res=1"
    )
    assert (
        scrub_url("rtsp://cam/live?channel=1&Password=x;token=y")
        == "rtsp://cam/live?channel=1&Password=***;token=***"
    )
    assert (
        scrub_url("connecting to rtsp://a:b@h/1 and http://h/2?key=k")
        == "connecting to rtsp://***@h/1 and http://h/2?key=***"
    )
    assert scrub_url("rtsp://10.0.0.5/live") == "rtsp://10.0.0.5/live"
