"""Ended sessions in the gateway (services/gateway/sessions.py) and the client address rules
(visionflow/clientaddr.py): pure logic, no processes."""

from __future__ import annotations

from google.protobuf.timestamp_pb2 import Timestamp

from services.gateway.sessions import EndedSessions
from visionflow.clientaddr import forwarded_client, grpc_peer_host, parse_networks
from visionflow.tokens import Principal
from visionflow.v1 import events_pb2

NOW = 1_000_000.0


def _event(
    account: str, session: str = "", ids: tuple[str, ...] = (), until: float = NOW + 900
) -> events_pb2.SessionEnded:
    return events_pb2.SessionEnded(
        account_uuid=account,
        session_id=session,
        session_ids=list(ids),
        ended_at=Timestamp(seconds=int(NOW)),
        refuse_until=Timestamp(seconds=int(until)),
    )


def _token(account: str, session: str = "", issued: float = NOW - 10) -> Principal:
    return Principal(
        account_uuid=account, username="u", expires_at=issued + 900, issued_at=issued, session_id=session
    )


def test_one_session_ends_and_the_others_do_not() -> None:
    ended = EndedSessions()
    ended.record(_event("a", "s1"), now=NOW)
    assert ended.ended(_token("a", "s1"), now=NOW)
    assert not ended.ended(_token("a", "s2"), now=NOW)
    assert not ended.ended(_token("b", "s1"), now=NOW)  # the same id of another account
    assert not ended.ended(_token("a", ""), now=NOW)  # an old token without sid is not this session
    assert not ended.ended(_token("a", "s1"), now=NOW + 901)  # would have expired anyway


def test_all_sessions_end_old_tokens_without_sid_but_not_newer_ones() -> None:
    ended = EndedSessions()
    ended.record(_event("a", "", ("s1", "s2")), now=NOW)
    assert ended.ended(_token("a", "s1"), now=NOW) and ended.ended(_token("a", "s2"), now=NOW)
    assert ended.ended(_token("a", ""), now=NOW)  # signed before sessions were named, and before
    assert not ended.ended(_token("a", "", issued=NOW + 5), now=NOW + 5)
    assert not ended.ended(_token("a", "s3", issued=NOW), now=NOW)  # a login after the logout


def test_memory_is_bounded_by_expiry_and_by_the_cap() -> None:
    ended = EndedSessions(max_entries=3)
    for n in range(5):
        ended.record(_event("a", f"s{n}"), now=NOW)
    assert [ended.ended(_token("a", f"s{n}"), now=NOW) for n in range(5)] == [False, False, True, True, True]
    ended.record(_event("b", "late", until=NOW + 2000), now=NOW + 1000)  # the others expired: pruned
    assert len(ended._sessions) == 1
    ended.record(_event("c", "x", until=NOW - 1), now=NOW)  # already over: not kept
    assert not ended.ended(_token("c", "x"), now=NOW)


def test_forwarded_for_counts_only_from_trusted_proxies() -> None:
    trusted = parse_networks("10.0.0.0/8", "TEST")
    assert forwarded_client("203.0.113.9", "198.51.100.1", trusted) == "203.0.113.9"  # untrusted peer
    assert forwarded_client("10.1.2.3", "198.51.100.1", trusted) == "198.51.100.1"
    # A client that writes its own header cannot hide behind it: the rightmost untrusted hop counts.
    assert forwarded_client("10.1.2.3", "1.2.3.4, 198.51.100.1, 10.9.9.9", trusted) == "198.51.100.1"
    assert forwarded_client("10.1.2.3", "garbage", trusted) == "10.1.2.3"
    assert forwarded_client("127.0.0.1", "198.51.100.1", ()) == "127.0.0.1"  # default: trust none


def test_grpc_peer_hosts() -> None:
    assert grpc_peer_host("ipv4:10.0.0.5:4312") == "10.0.0.5"
    assert grpc_peer_host("ipv6:[::1]:4312") == "::1"
    assert grpc_peer_host("unix:/tmp/socket") == ""
