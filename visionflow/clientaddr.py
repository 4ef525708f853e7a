"""Who the real client is: the socket or gRPC peer, unless that peer is a trusted relay.

A proxy in front of the gateway names the client in `X-Forwarded-For`, and the gateway names it
to the auth service in `client_address`. Either is believed only from peers inside the networks
an operator trusts (`VF_GATEWAY_TRUSTED_PROXIES`, `VF_AUTH_TRUSTED_CLIENTS`); anyone else could
write any address there and dodge the limits keyed on it, so for them the peer itself counts.
"""

from __future__ import annotations

import ipaddress

from visionflow.camera_urls import IPNetwork, parse_networks

__all__ = ["forwarded_client", "grpc_peer_host", "is_trusted", "parse_networks"]

LOOPBACK = "127.0.0.0/8,::1/128"


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_trusted(host: str, networks: tuple[IPNetwork, ...]) -> bool:
    address = _address(host)
    return address is not None and any(address in network for network in networks)


def forwarded_client(peer: str, forwarded_for: str | None, trusted: tuple[IPNetwork, ...]) -> str:
    """The client address: walk `X-Forwarded-For` from the right while the hop is trusted.

    The peer and every trusted proxy append the address they saw, so the rightmost address that
    is not a trusted proxy is the first one nobody trusted could have forged.
    """
    client = peer
    if not forwarded_for or not is_trusted(peer, trusted):
        return client
    for hop in reversed([part.strip() for part in forwarded_for.split(",")]):
        if _address(hop) is None:
            break  # garbage: stop at the last address a trusted hop vouched for
        client = str(_address(hop))
        if not is_trusted(client, trusted):
            break
    return client


def grpc_peer_host(peer: str) -> str:
    """The IP of a gRPC peer string (`ipv4:10.0.0.5:4312`, `ipv6:[::1]:4312`); "" otherwise."""
    kind, _, rest = peer.partition(":")
    if kind == "ipv4":
        return rest.rsplit(":", 1)[0]
    if kind == "ipv6":
        host = rest.rsplit(":", 1)[0] if rest.startswith("[") else rest
        return host.strip("[]").split("%", 1)[0]
    return ""
