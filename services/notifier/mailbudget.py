"""Hourly limits on verification mails, per recipient address and per account (resends
included), so that the operator's SMTP server cannot be used to mail strangers at will.

`spend` runs inside the transaction that adds the recipient or renews its token: it counts the
mail first and then checks both budgets, serialised per key (visionflow.db.serialize_on), so
parallel requests cannot all slip under a limit; over a limit the whole transaction is refused
with 429 `RATE_LIMIT_EXCEEDED` and `Retry-After`, and nothing is stored or sent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, delete, func
from sqlmodel import Session, col, select

from services.notifier.models import VerificationMail
from visionflow.db import serialize_on, utcnow
from visionflow.errors import ErrorCode, VisionFlowError

WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class MailLimits:
    """`VF_LIMIT_VERIFICATION_MAILS_PER_HOUR` (per address) and `..._PER_ACCOUNT_PER_HOUR`."""

    per_address: int = 3
    per_account: int = 10


def _oldest_in_window(session: Session, condition: ColumnElement[bool], since: datetime) -> datetime:
    oldest = session.exec(
        select(func.min(VerificationMail.sent_at)).where(condition, col(VerificationMail.sent_at) > since)
    ).one()
    value = oldest or utcnow()
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def spend(session: Session, *, account_uuid: str, email: str, limits: MailLimits) -> None:
    """Count one verification mail to `email` for `account_uuid`, or refuse it (429)."""
    now = utcnow()
    since = now - WINDOW
    address = email.lower()
    serialize_on(session, f"verification-mail:{address}", f"verification-mail-account:{account_uuid}")
    session.exec(delete(VerificationMail).where(col(VerificationMail.sent_at) <= since))
    session.add(VerificationMail(account_uuid=account_uuid, email_lower=address, sent_at=now))
    session.flush()  # write first: on SQLite this takes the write lock before the count
    checks = (
        (col(VerificationMail.email_lower) == address, limits.per_address, "this address"),
        (col(VerificationMail.account_uuid) == account_uuid, limits.per_account, "this account"),
    )
    for condition, limit, whom in checks:
        sent = session.exec(
            select(func.count())
            .select_from(VerificationMail)
            .where(condition, col(VerificationMail.sent_at) > since)
        ).one()
        if sent > limit:
            retry = (_oldest_in_window(session, condition, since) - since).total_seconds()
            session.rollback()
            raise VisionFlowError(
                ErrorCode.RATE_LIMIT_EXCEEDED,
                f"verification mails: at most {limit} per hour for {whom}; try again later",
                retry_after=max(1, math.ceil(retry)),
            )
