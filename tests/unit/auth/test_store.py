"""Auth storage on SQLite and PostgreSQL: accounts, refresh-token families, login failures."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from services.auth import store
from services.auth.ratelimit import LoginLimits, LoginRateLimiter
from services.auth.store import RotateOutcome
from visionflow.db import create_db_engine, utcnow
from visionflow.errors import ErrorCode, VisionFlowError


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url, retries=1)
    store.init_db(engine)
    store.init_db(engine)  # idempotent: a restart must not fail on existing tables
    yield engine
    engine.dispose()


def _account(engine: Engine, username: str, email: str | None = None) -> str:
    account = store.create_account(
        engine=engine, username=username, email=email or f"{username}@example.com", password_hash="h"
    )
    return account.account_uuid


def test_account_lookup_ignores_letter_case(engine: Engine) -> None:
    alice = _account(engine, "Alice.Smith", "Alice@Example.com")
    bob = _account(engine, "bob")
    found = store.get_account_by_username(engine=engine, username="alice.SMITH")
    assert found is not None
    assert (found.account_uuid, found.username, found.email) == (alice, "Alice.Smith", "Alice@Example.com")
    assert found.created_at.tzinfo is not None
    assert store.get_account(engine=engine, account_uuid=bob) is not None
    assert store.get_account_by_username(engine=engine, username="carol") is None
    assert alice != bob


def test_duplicate_username_or_email_in_other_case_is_refused(engine: Engine) -> None:
    _account(engine, "alice", "alice@example.com")
    with pytest.raises(VisionFlowError) as taken_name:
        _account(engine, "ALICE", "other@example.com")
    assert taken_name.value.code is ErrorCode.USERNAME_TAKEN
    assert taken_name.value.message == "Username already exists"
    with pytest.raises(VisionFlowError) as taken_email:
        _account(engine, "alice2", "ALICE@EXAMPLE.COM")
    assert taken_email.value.code is ErrorCode.EMAIL_TAKEN
    assert taken_email.value.message == "Email already exists"


def test_password_hash_update_touches_one_account(engine: Engine) -> None:
    alice = _account(engine, "alice")
    _account(engine, "bob")
    store.update_password_hash(engine=engine, account_uuid=alice, password_hash="new")
    alice_row = store.get_account_by_username(engine=engine, username="alice")
    bob_row = store.get_account_by_username(engine=engine, username="bob")
    assert alice_row is not None and alice_row.password_hash == "new"
    assert bob_row is not None and bob_row.password_hash == "h"


def _issue(engine: Engine, jti_hash: str, family: str, account: str, days: int = 30) -> None:
    store.add_refresh_token(
        engine=engine,
        jti_hash=jti_hash,
        family_id=family,
        account_uuid=account,
        expires_at=utcnow() + timedelta(days=days),
    )


def _rotate(engine: Engine, old: str, new: str) -> store.RotateResult:
    return store.rotate_refresh_token(
        engine=engine,
        jti_hash=old,
        new_jti_hash=new,
        new_expires_at=utcnow() + timedelta(days=30),
        now=utcnow(),
    )


def test_rotation_reuse_revokes_the_family_only(engine: Engine) -> None:
    _issue(engine, "a1", "fam-a", "acct-a")
    _issue(engine, "b1", "fam-b", "acct-b")
    rotated = _rotate(engine, "a1", "a2")
    assert (rotated.outcome, rotated.account_uuid, rotated.family_id) == (
        RotateOutcome.ROTATED,
        "acct-a",
        "fam-a",
    )
    assert _rotate(engine, "a1", "a3").outcome is RotateOutcome.REUSED
    family = store.refresh_family_state(engine=engine, family_id="fam-a")
    assert [row.jti_hash for row in family] == ["a1", "a2"]
    assert all(row.revoked_at is not None for row in family)
    assert _rotate(engine, "a2", "a4").outcome is RotateOutcome.INVALID
    # Replaying again after the revocation is no longer "reuse", just invalid.
    assert _rotate(engine, "a1", "a5").outcome is RotateOutcome.INVALID
    assert _rotate(engine, "b1", "b2").outcome is RotateOutcome.ROTATED


def test_unknown_and_expired_refresh_tokens_do_not_rotate(engine: Engine) -> None:
    _issue(engine, "old", "fam", "acct", days=-1)
    assert _rotate(engine, "old", "new").outcome is RotateOutcome.INVALID
    assert _rotate(engine, "missing", "new2").outcome is RotateOutcome.INVALID
    assert [row.jti_hash for row in store.refresh_family_state(engine=engine, family_id="fam")] == ["old"]


def test_concurrent_rotation_of_one_token_succeeds_once(engine: Engine) -> None:
    _issue(engine, "t0", "fam", "acct")
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda n: _rotate(engine, "t0", f"t-{n}").outcome, range(4)))
    assert results.count(RotateOutcome.ROTATED) == 1
    assert set(results) <= {RotateOutcome.ROTATED, RotateOutcome.REUSED, RotateOutcome.INVALID}


def test_revoke_family_is_scoped_and_reports_repeat(engine: Engine) -> None:
    _issue(engine, "a1", "fam-a", "acct")
    _issue(engine, "c1", "fam-c", "acct")  # a second session of the same account
    assert store.revoke_refresh_family(engine=engine, jti_hash="a1", now=utcnow()) is True
    assert store.revoke_refresh_family(engine=engine, jti_hash="a1", now=utcnow()) is False
    assert store.revoke_refresh_family(engine=engine, jti_hash="nope", now=utcnow()) is False
    assert _rotate(engine, "c1", "c2").outcome is RotateOutcome.ROTATED


def test_rate_limiter_counts_a_sliding_window_per_key(engine: Engine) -> None:
    limiter = LoginRateLimiter(engine, LoginLimits(max_per_username=2, max_per_address=3, window_seconds=60))
    start = utcnow()
    limiter.begin_login("Alice", "10.0.0.1", now=start)  # counted as failed until it succeeds
    limiter.begin_login("alice", "10.0.0.1", now=start + timedelta(seconds=10))
    with pytest.raises(VisionFlowError) as limited:
        limiter.begin_login("ALICE", "10.0.0.2", now=start + timedelta(seconds=20))
    assert limited.value.code is ErrorCode.RATE_LIMIT_EXCEEDED
    assert limited.value.retry_after == 40  # the first failure leaves the window at start + 60 s
    bob = limiter.begin_login("bob", "10.0.0.2", now=start + timedelta(seconds=20))
    limiter.succeeded(bob, "bob")
    # The window slides: once the first failure is 60 s old, one more attempt is allowed.
    limiter.succeeded(limiter.begin_login("alice", "10.0.0.2", now=start + timedelta(seconds=61)), "alice")
    # The address has 2 failures; one more from another username reaches its limit of 3.
    limiter.begin_login("carol", "10.0.0.1", now=start + timedelta(seconds=30))
    with pytest.raises(VisionFlowError) as by_address:
        limiter.begin_login("dave", "10.0.0.1", now=start + timedelta(seconds=31))
    assert by_address.value.retry_after == 29
    limiter.begin_login("dave", "", now=start + timedelta(seconds=31))  # no address: username only


def test_successful_login_clears_username_failures(engine: Engine) -> None:
    limiter = LoginRateLimiter(engine, LoginLimits(max_per_username=1, max_per_address=5, window_seconds=60))
    limiter.begin_login("alice", "10.0.0.1")
    with pytest.raises(VisionFlowError):
        limiter.begin_login("alice", "")
    limiter.succeeded([], "Alice")
    limiter.abandoned(limiter.begin_login("alice", ""))  # an attempt that never ran is uncounted
    limiter.begin_login("alice", "")


def test_registrations_per_address_are_limited_per_hour(engine: Engine) -> None:
    limits = LoginLimits(max_per_username=1, max_per_address=5, window_seconds=60, registrations_per_hour=2)
    limiter = LoginRateLimiter(engine, limits)
    start = utcnow()
    limiter.begin_registration("10.0.0.9", now=start)
    limiter.begin_registration("10.0.0.9", now=start + timedelta(minutes=10))
    with pytest.raises(VisionFlowError) as limited:
        limiter.begin_registration("10.0.0.9", now=start + timedelta(minutes=20))
    assert limited.value.code is ErrorCode.RATE_LIMIT_EXCEEDED and limited.value.retry_after == 2400
    limiter.begin_registration("10.0.0.10", now=start + timedelta(minutes=20))  # another address
    limiter.begin_registration("10.0.0.9", now=start + timedelta(minutes=61))  # the hour slid on


def test_prune_drops_only_expired_rows(engine: Engine) -> None:
    now = utcnow()
    _issue(engine, "live", "fam-live", "acct")
    _issue(engine, "dead", "fam-dead", "acct", days=-1)
    limiter = LoginRateLimiter(engine, LoginLimits(max_per_username=1, max_per_address=5, window_seconds=60))
    limiter.begin_login("old", "", now=now - timedelta(minutes=5))
    limiter.begin_login("new", "", now=now)
    tokens, failures = store.prune_expired(
        engine=engine, now=now, failures_before=now - timedelta(seconds=60)
    )
    assert (tokens, failures) == (1, 1)
    assert store.refresh_family_state(engine=engine, family_id="fam-dead") == []
    assert len(store.refresh_family_state(engine=engine, family_id="fam-live")) == 1
    with pytest.raises(VisionFlowError):
        limiter.begin_login("new", "", now=now)
