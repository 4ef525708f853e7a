"""Storage of the auth service: keyword-only, synchronous functions (run them via `asyncio.to_thread`).

Uniqueness of usernames and emails is case-insensitive (the `*_lower` columns carry the unique
indexes). Refresh-token rotation is one conditional UPDATE, so two concurrent uses of the same
token cannot both succeed: the loser is treated as reuse. Rate-limited attempts are counted
before they are checked, in one serialised transaction (`reserve_attempts`), so parallel
attempts cannot all slip under a limit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.auth.models import Account, LoginFailure, RefreshToken
from visionflow import migrate
from visionflow.db import serialize_on
from visionflow.errors import ErrorCode, VisionFlowError

USERNAME_TAKEN_MESSAGE = "Username already exists"
EMAIL_TAKEN_MESSAGE = "Email already exists"


def init_db(engine: Engine) -> None:
    """Bring the auth tables to the newest migration (visionflow/migrate.py)."""
    migrate.upgrade(engine, "auth")


# Accounts ---------------------------------------------------------------------------------------


def _raise_if_taken(session: Session, *, username_lower: str, email_lower: str) -> None:
    taken_name = session.exec(select(Account.id).where(Account.username_lower == username_lower)).first()
    if taken_name is not None:
        raise VisionFlowError(ErrorCode.USERNAME_TAKEN, USERNAME_TAKEN_MESSAGE)
    taken_email = session.exec(select(Account.id).where(Account.email_lower == email_lower)).first()
    if taken_email is not None:
        raise VisionFlowError(ErrorCode.EMAIL_TAKEN, EMAIL_TAKEN_MESSAGE)


def create_account(*, engine: Engine, username: str, email: str, password_hash: str) -> Account:
    """Insert an account; USERNAME_TAKEN / EMAIL_TAKEN when either exists in any letter case."""
    username_lower, email_lower = username.lower(), email.lower()
    account = Account(
        account_uuid=str(uuid.uuid4()),
        username=username,
        username_lower=username_lower,
        email=email,
        email_lower=email_lower,
        password_hash=password_hash,
    )
    with Session(engine, expire_on_commit=False) as session:
        _raise_if_taken(session, username_lower=username_lower, email_lower=email_lower)
        session.add(account)
        try:
            session.commit()
        except IntegrityError:
            # Lost a race with a concurrent registration: report which value was taken.
            session.rollback()
            _raise_if_taken(session, username_lower=username_lower, email_lower=email_lower)
            raise
    return account


def get_account_by_username(*, engine: Engine, username: str) -> Account | None:
    with Session(engine) as session:
        return session.exec(select(Account).where(Account.username_lower == username.lower())).first()


def find_account(*, engine: Engine, username_or_email: str) -> Account | None:
    """The account whose username or email is exactly this (case-insensitive), or None."""
    wanted = username_or_email.strip().lower()
    column = Account.email_lower if "@" in wanted else Account.username_lower
    with Session(engine) as session:
        return session.exec(select(Account).where(column == wanted)).first()


def get_account(*, engine: Engine, account_uuid: str) -> Account | None:
    with Session(engine) as session:
        return session.exec(select(Account).where(Account.account_uuid == account_uuid)).first()


def update_password_hash(*, engine: Engine, account_uuid: str, password_hash: str) -> None:
    with Session(engine) as session:
        session.exec(
            update(Account)
            .where(col(Account.account_uuid) == account_uuid)
            .values(password_hash=password_hash)
        )
        session.commit()


# Refresh tokens ---------------------------------------------------------------------------------


class RotateOutcome(StrEnum):
    ROTATED = "rotated"
    REUSED = "reused"  # an already-used token came back: its family is now revoked
    INVALID = "invalid"  # unknown, revoked or expired


@dataclass(frozen=True)
class RotateResult:
    outcome: RotateOutcome
    account_uuid: str | None = None
    family_id: str | None = None


def add_refresh_token(
    *, engine: Engine, jti_hash: str, family_id: str, account_uuid: str, expires_at: datetime
) -> None:
    with Session(engine) as session:
        session.add(
            RefreshToken(
                jti_hash=jti_hash, family_id=family_id, account_uuid=account_uuid, expires_at=expires_at
            )
        )
        session.commit()


def _revoke_family(session: Session, family_id: str, now: datetime) -> None:
    session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )


def rotate_refresh_token(
    *, engine: Engine, jti_hash: str, new_jti_hash: str, new_expires_at: datetime, now: datetime
) -> RotateResult:
    """Mark the token used and store its successor in the same family, in one transaction.

    A token that was already used revokes its whole family (someone replayed it).
    """
    with Session(engine) as session:
        claimed = session.exec(
            update(RefreshToken)
            .where(
                col(RefreshToken.jti_hash) == jti_hash,
                col(RefreshToken.used_at).is_(None),
                col(RefreshToken.revoked_at).is_(None),
                col(RefreshToken.expires_at) > now,
            )
            .values(used_at=now)
        )
        row = session.exec(select(RefreshToken).where(RefreshToken.jti_hash == jti_hash)).first()
        if row is None:
            return RotateResult(RotateOutcome.INVALID)
        if claimed.rowcount != 1:
            if row.used_at is not None and row.revoked_at is None:
                _revoke_family(session, row.family_id, now)
                session.commit()
                return RotateResult(RotateOutcome.REUSED, row.account_uuid, row.family_id)
            return RotateResult(RotateOutcome.INVALID)
        session.add(
            RefreshToken(
                jti_hash=new_jti_hash,
                family_id=row.family_id,
                account_uuid=row.account_uuid,
                issued_at=now,
                expires_at=new_expires_at,
            )
        )
        session.commit()
        return RotateResult(RotateOutcome.ROTATED, row.account_uuid, row.family_id)


def revoke_refresh_family(*, engine: Engine, jti_hash: str, now: datetime) -> bool:
    """Revoke the family of a stored token; False when the token is unknown or already revoked."""
    with Session(engine) as session:
        row = session.exec(select(RefreshToken).where(RefreshToken.jti_hash == jti_hash)).first()
        if row is None or row.revoked_at is not None:
            return False
        _revoke_family(session, row.family_id, now)
        session.commit()
        return True


def revoke_account_families(*, engine: Engine, account_uuid: str, now: datetime) -> list[str]:
    """Revoke every live refresh family of an account; returns the families that were live."""
    with Session(engine) as session:
        live = sorted(
            set(
                session.exec(
                    select(RefreshToken.family_id).where(
                        RefreshToken.account_uuid == account_uuid,
                        col(RefreshToken.revoked_at).is_(None),
                        col(RefreshToken.expires_at) > now,
                    )
                ).all()
            )
        )
        session.exec(
            update(RefreshToken)
            .where(col(RefreshToken.account_uuid) == account_uuid, col(RefreshToken.revoked_at).is_(None))
            .values(revoked_at=now)
        )
        session.commit()
        return live


def refresh_family_state(*, engine: Engine, family_id: str) -> list[RefreshToken]:
    """Every token of a family, oldest first (for inspection and tests)."""
    with Session(engine) as session:
        return list(
            session.exec(
                select(RefreshToken).where(RefreshToken.family_id == family_id).order_by(col(RefreshToken.id))
            ).all()
        )


# Login failures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reservation:
    """Attempts counted by `reserve_attempts`: their row ids, or how long until one is allowed."""

    ids: list[int]
    retry_after_s: float = 0.0


def reserve_attempts(
    *, engine: Engine, keys: list[tuple[str, int]], at: datetime, since: datetime
) -> Reservation:
    """Count one attempt against every `(key_hash, limit)`, unless a key already holds `limit`
    attempts after `since`: then nothing is counted and `retry_after_s` says when the oldest of
    them leaves the window. Check and count are one transaction, serialised per key, so N
    parallel attempts can never all pass. Old rows of these keys are pruned on the way."""
    hashes = [key_hash for key_hash, _ in keys]
    with Session(engine) as session:
        serialize_on(session, *hashes)
        session.exec(
            delete(LoginFailure).where(
                col(LoginFailure.key_hash).in_(hashes), col(LoginFailure.failed_at) <= since
            )
        )
        rows = [LoginFailure(key_hash=key_hash, failed_at=at) for key_hash in hashes]
        session.add_all(rows)
        session.flush()  # the write comes first: on SQLite it takes the database's write lock
        retry_after = 0.0
        for key_hash, limit in keys:
            newest = session.exec(
                select(LoginFailure.failed_at)
                .where(LoginFailure.key_hash == key_hash, col(LoginFailure.failed_at) > since)
                .order_by(col(LoginFailure.failed_at).desc(), col(LoginFailure.id).desc())
                .limit(limit + 1)
            ).all()
            if len(newest) > limit:  # this attempt would be one too many
                oldest = _aware(newest[-1])
                retry_after = max(retry_after, (oldest - since).total_seconds())
        if retry_after > 0:
            session.rollback()
            return Reservation([], retry_after)
        session.commit()
        return Reservation([row.id for row in rows if row.id is not None])


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def release_attempts(*, engine: Engine, ids: list[int]) -> None:
    """Uncount reserved attempts (the password was right, or the attempt never ran)."""
    if not ids:
        return
    with Session(engine) as session:
        session.exec(delete(LoginFailure).where(col(LoginFailure.id).in_(ids)))
        session.commit()


def clear_failures(*, engine: Engine, key_hash: str) -> None:
    with Session(engine) as session:
        session.exec(delete(LoginFailure).where(col(LoginFailure.key_hash) == key_hash))
        session.commit()


# Housekeeping -----------------------------------------------------------------------------------


def prune_expired(*, engine: Engine, now: datetime, failures_before: datetime) -> tuple[int, int]:
    """Delete expired refresh tokens and failures outside every window; returns both counts."""
    with Session(engine) as session:
        tokens = session.exec(delete(RefreshToken).where(col(RefreshToken.expires_at) <= now))
        failures = session.exec(delete(LoginFailure).where(col(LoginFailure.failed_at) <= failures_before))
        session.commit()
        return tokens.rowcount, failures.rowcount
