"""The camera address policy: the metadata service in every spelling, operator lists, names.

No traffic goes anywhere: these check the policy function only (names resolve on this machine).
"""

from __future__ import annotations

import pytest

from visionflow.camera_urls import AddressPolicy, AddressRefused, literal_address

METADATA_SPELLINGS = [
    "169.254.169.254",
    "2852039166",  # decimal
    "0xa9fea9fe",  # hex
    "0xA9.0xFE.0xA9.0xFE",
    "0251.0376.0251.0376",  # octal
    "169.254.43518",  # short form
    "[::ffff:169.254.169.254]",  # IPv4-mapped IPv6
    "[::ffff:a9fe:a9fe]",
    "[fe80::1]",
    "[fe80::1%25eth0]",
    "[fd00:ec2::254]",
    "100.100.100.200",
    "0.0.0.0",
]


@pytest.mark.parametrize("host", METADATA_SPELLINGS)
@pytest.mark.parametrize("scheme", ["rtsp", "http", "https", "rtmp"])
def test_metadata_and_link_local_are_refused_in_every_spelling(host: str, scheme: str) -> None:
    with pytest.raises(AddressRefused, match="camera address not allowed"):
        AddressPolicy().check_literal(f"{scheme}://user:pw@{host}:554/latest/meta-data")


@pytest.mark.parametrize(
    "url",
    [
        "rtsp://127.0.0.1:8554/restream",  # go2rtc on this host
        "rtsp://192.168.1.64/Streaming/Channels/101",
        "http://10.1.2.3/mjpeg",
        "rtsp://[::1]/cam",
        "rtsp://camera.example.com/stream",  # a name: checked when ingest connects
    ],
)
def test_lan_loopback_and_names_are_allowed_by_default(url: str) -> None:
    AddressPolicy().check_literal(url)


def test_operator_lists_deny_more_or_allow_only_some_networks() -> None:
    denied = AddressPolicy.from_settings("", "127.0.0.2/32, 10.96.0.0/12")
    for host in ("127.0.0.2", "2130706434", "10.96.0.10", "[::ffff:127.0.0.2]"):
        with pytest.raises(AddressRefused):
            denied.check_literal(f"rtsp://{host}/x")
    denied.check_literal("rtsp://127.0.0.1/x")
    only_lan = AddressPolicy.from_settings("192.168.0.0/16", "")
    only_lan.check_literal("rtsp://192.168.7.9/x")
    with pytest.raises(AddressRefused, match="outside the allowed"):
        only_lan.check_literal("rtsp://127.0.0.1/x")
    with pytest.raises(ValueError, match="VF_CAMERA_DENIED_NETWORKS"):
        AddressPolicy.from_settings("", "not-a-network")


def test_names_are_checked_at_every_address_they_resolve_to() -> None:
    assert str(AddressPolicy().resolve("localhost", 554)) in ("127.0.0.1", "::1")
    with pytest.raises(AddressRefused, match="localhost -> "):
        AddressPolicy.from_settings("", "127.0.0.0/8, ::1/128").resolve("localhost", 554)
    with pytest.raises(OSError):
        AddressPolicy().resolve("no-such-camera.invalid", 554)


def test_literal_addresses_normalise_every_spelling() -> None:
    assert {str(literal_address(h)) for h in ("169.254.169.254", "2852039166", "0xa9fea9fe")} == {
        "169.254.169.254"
    }
    assert str(literal_address("[::ffff:169.254.169.254]")) == "169.254.169.254"
    assert literal_address("camera.local") is None
