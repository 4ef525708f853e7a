"""Which addresses a camera URL may point at: the one policy against server-side request forgery.

A camera URL makes ingest connect wherever it says, so an account could aim it at the cloud
metadata service, at cluster-internal services, or use camera status as a port scanner. The
policy:

- **Always refused**: link-local addresses (169.254.0.0/16, fe80::/10; 169.254.169.254 is the
  metadata service of AWS, GCP and Azure), the other metadata addresses (fd00:ec2::254,
  100.100.100.200), and unspecified, multicast and broadcast addresses.
- **Operator lists**: `VF_CAMERA_DENIED_NETWORKS` refuses more (cluster networks, say);
  `VF_CAMERA_ALLOWED_NETWORKS`, when set, is the only place cameras may be.
- Everything else is allowed by default, loopback and private LANs included (a go2rtc restream on
  127.0.0.1 and cameras on 192.168.x.x are the common setups).

An address is read the way the C resolver reads it, so every spelling of one address is the same
address: dotted, decimal (2852039166), hex (0xa9fea9fe), octal (0251.0376.0251.0376), short
forms (169.254.43518) and IPv4-mapped IPv6 ([::ffff:169.254.169.254]). The camera service
checks literal addresses when a URL is saved (422); ingest checks every address a name resolves
to before it connects, connects to the checked address, and never follows HTTP redirects.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALWAYS_DENIED: tuple[tuple[IPNetwork, str], ...] = (
    (ipaddress.ip_network("169.254.0.0/16"), "link-local (cloud metadata service)"),
    (ipaddress.ip_network("fe80::/10"), "link-local"),
    (ipaddress.ip_network("fd00:ec2::254/128"), "cloud metadata service"),
    (ipaddress.ip_network("100.100.100.200/32"), "cloud metadata service"),
    (ipaddress.ip_network("0.0.0.0/8"), "unspecified"),
    (ipaddress.ip_network("::/128"), "unspecified"),
    (ipaddress.ip_network("224.0.0.0/4"), "multicast"),
    (ipaddress.ip_network("ff00::/8"), "multicast"),
    (ipaddress.ip_network("255.255.255.255/32"), "broadcast"),
)


class AddressRefused(ValueError):
    """The URL points at an address the policy refuses; the message is safe to show."""


def parse_networks(text: str, variable: str) -> tuple[IPNetwork, ...]:
    """Comma-separated networks (`10.0.0.0/8, 192.168.1.20`) from an operator setting."""
    networks: list[IPNetwork] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{variable}: {item!r} is not an IP network") from None
    return tuple(networks)


def literal_address(host: str) -> IPAddress | None:
    """The address `host` spells, in any spelling the resolver accepts; None for a name."""
    host = host.strip().strip("[]")
    if not host:
        return None
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])  # drop an IPv6 zone (fe80::1%eth0)
    except ValueError:
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(host))  # decimal, hex, octal, short
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True)
class AddressPolicy:
    """The operator's lists on top of the addresses always refused."""

    allowed: tuple[IPNetwork, ...] = ()
    denied: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_settings(cls, allowed: str, denied: str) -> AddressPolicy:
        return cls(
            allowed=parse_networks(allowed, "VF_CAMERA_ALLOWED_NETWORKS"),
            denied=parse_networks(denied, "VF_CAMERA_DENIED_NETWORKS"),
        )

    def refusal(self, address: IPAddress) -> str | None:
        """Why the address is refused, or None when a camera may be there."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        for network, why in ALWAYS_DENIED:
            if address.version == network.version and address in network:
                return f"{address} is {why}"
        for network in self.denied:
            if address.version == network.version and address in network:
                return f"{address} is in a denied network ({network})"
        if self.allowed and not any(address.version == n.version and address in n for n in self.allowed):
            return f"{address} is outside the allowed camera networks"
        return None

    def check_literal(self, url: str) -> None:
        """Refuse a URL whose host is a refused literal address (names are checked on connect)."""
        address = literal_address(urlsplit(url).hostname or "")
        if address is not None and (why := self.refusal(address)) is not None:
            raise AddressRefused(f"camera address not allowed: {why}")

    def resolve(self, host: str, port: int | None) -> IPAddress:
        """The address to connect to for `host`: every address it resolves to must be allowed.

        Raises AddressRefused, or OSError when the name does not resolve (a retryable failure)."""
        literal = literal_address(host)
        addresses: Iterable[IPAddress]
        if literal is not None:
            addresses = [literal]
        else:
            infos = socket.getaddrinfo(host, port or 0, type=socket.SOCK_STREAM)
            addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
        chosen: IPAddress | None = None
        for address in addresses:
            if (why := self.refusal(address)) is not None:
                raise AddressRefused(f"camera address not allowed: {host} -> {why}")
            chosen = chosen or address
        if chosen is None:
            raise OSError(f"{host} resolves to no address")
        if isinstance(chosen, ipaddress.IPv6Address) and chosen.ipv4_mapped is not None:
            return chosen.ipv4_mapped
        return chosen
