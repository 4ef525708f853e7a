"""Storage of delivery targets: email recipients (with one-time verification) and LINE targets.

Keyword-only synchronous functions, every query filtered by account; a foreign or missing row
is RESOURCE_NOT_FOUND. Deleting a target fails its pending outbox rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.notifier import mailbudget
from services.notifier.mailbudget import MailLimits
from services.notifier.models import Channel, Delivery, DeliveryState, EmailRecipient, LineTarget
from visionflow import quotas
from visionflow.db import utcnow
from visionflow.errors import ErrorCode, VisionFlowError


def _missing(what: str) -> VisionFlowError:
    return VisionFlowError(ErrorCode.RESOURCE_NOT_FOUND, f"{what} not found")


def invalid_verification() -> VisionFlowError:
    return VisionFlowError(ErrorCode.RESOURCE_NOT_FOUND, "Verification link is invalid or expired")


def _held(session: Session, model: type[EmailRecipient] | type[LineTarget], account_uuid: str) -> int:
    return session.exec(
        select(func.count()).select_from(model).where(model.account_uuid == account_uuid)
    ).one()


def add_email_recipient(
    *,
    engine: Engine,
    account_uuid: str,
    email: str,
    name: str,
    active: bool,
    notification_types: list[str],
    token_hash: str,
    expires_at: datetime,
    max_count: int | None = None,
    mail_limits: MailLimits | None = None,
) -> EmailRecipient:
    """Insert a recipient awaiting verification; the same email twice per account is CONFLICT,
    more than `max_count` (the account's quota) is refused, and so is a verification mail over
    `mail_limits` (429; nothing stored)."""
    with Session(engine, expire_on_commit=False) as session:
        if max_count is not None:
            quotas.check_count("email recipients", _held(session, EmailRecipient, account_uuid), max_count)
        duplicate = session.exec(
            select(EmailRecipient.id).where(
                EmailRecipient.account_uuid == account_uuid, EmailRecipient.email == email
            )
        ).first()
        if duplicate is not None:
            raise VisionFlowError(ErrorCode.CONFLICT, "Email recipient already exists")
        if mail_limits is not None:
            mailbudget.spend(session, account_uuid=account_uuid, email=email, limits=mail_limits)
        row = EmailRecipient(
            account_uuid=account_uuid,
            email=email,
            name=name,
            active=active,
            notification_types=",".join(notification_types),
            verify_token_hash=token_hash,
            verify_expires_at=expires_at,
        )
        session.add(row)
        try:
            session.commit()
        except IntegrityError:
            raise VisionFlowError(ErrorCode.CONFLICT, "Email recipient already exists") from None
        return row


def list_email_recipients(*, engine: Engine, account_uuid: str) -> list[EmailRecipient]:
    with Session(engine, expire_on_commit=False) as session:
        return list(
            session.exec(
                select(EmailRecipient)
                .where(EmailRecipient.account_uuid == account_uuid)
                .order_by(col(EmailRecipient.id))
            ).all()
        )


def get_email_recipient(*, engine: Engine, account_uuid: str, recipient_id: int) -> EmailRecipient:
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(EmailRecipient, recipient_id)
        if row is None or row.account_uuid != account_uuid:
            raise _missing("Email recipient")
        return row


def update_email_recipient(
    *,
    engine: Engine,
    account_uuid: str,
    recipient_id: int,
    name: str | None,
    active: bool | None,
    notification_types: list[str] | None,
) -> EmailRecipient:
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(EmailRecipient, recipient_id)
        if row is None or row.account_uuid != account_uuid:
            raise _missing("Email recipient")
        if name is not None:
            row.name = name
        if active is not None:
            row.active = active
        if notification_types is not None:
            row.notification_types = ",".join(notification_types)
        session.add(row)
        session.commit()
        return row


def _fail_pending(session: Session, channels: tuple[Channel, ...], target_id: int, reason: str) -> None:
    session.execute(
        update(Delivery)
        .where(
            col(Delivery.channel).in_([c.value for c in channels]),
            col(Delivery.target_id) == target_id,
            col(Delivery.state) == DeliveryState.PENDING.value,
        )
        .values(state=DeliveryState.FAILED.value, last_error=reason)
    )


def delete_email_recipient(*, engine: Engine, account_uuid: str, recipient_id: int) -> None:
    with Session(engine) as session:
        row = session.get(EmailRecipient, recipient_id)
        if row is None or row.account_uuid != account_uuid:
            raise _missing("Email recipient")
        _fail_pending(session, (Channel.EMAIL, Channel.VERIFICATION), recipient_id, "recipient deleted")
        session.delete(row)
        session.commit()


def verify_email_recipient(*, engine: Engine, token_hash: str) -> str:
    """Mark the recipient holding this unexpired token verified and burn the token."""
    with Session(engine) as session:
        row = session.exec(
            select(EmailRecipient).where(EmailRecipient.verify_token_hash == token_hash)
        ).first()
        if row is None or row.verify_expires_at is None or row.verify_expires_at < utcnow():
            raise invalid_verification()
        row.verified = True
        row.verify_token_hash = None
        row.verify_expires_at = None
        session.add(row)
        session.commit()
        return row.email


def renew_verification(
    *,
    engine: Engine,
    account_uuid: str,
    recipient_id: int,
    token_hash: str,
    expires_at: datetime,
    mail_limits: MailLimits,
) -> EmailRecipient:
    """Give the caller's unverified recipient a fresh token for a resent mail, within the mail
    budget; a verified recipient is VALIDATION_ERROR (nothing to resend)."""
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(EmailRecipient, recipient_id)
        if row is None or row.account_uuid != account_uuid:
            raise _missing("Email recipient")
        if row.verified:
            raise VisionFlowError(
                ErrorCode.VALIDATION_ERROR, "recipient_id: this recipient is already verified"
            )
        mailbudget.spend(session, account_uuid=account_uuid, email=row.email, limits=mail_limits)
        row.verify_token_hash = token_hash
        row.verify_expires_at = expires_at
        session.add(row)
        session.commit()
        return row


def get_line_target(*, engine: Engine, account_uuid: str, target_id: int) -> LineTarget:
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(LineTarget, target_id)
        if row is None or row.account_uuid != account_uuid:
            raise _missing("LINE token")
        return row


def mark_line_used(*, engine: Engine, target_id: int, verified: bool) -> LineTarget | None:
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(LineTarget, target_id)
        if row is None:
            return None
        row.last_used = utcnow()
        row.verified = row.verified or verified
        session.add(row)
        session.commit()
        return row


def replace_verification_token(
    *, engine: Engine, recipient_id: int, token_hash: str, expires_at: datetime
) -> EmailRecipient | None:
    """Give an unverified recipient a fresh token (for a queued verification mail).

    None when the recipient is gone or already verified: no mail is needed then.
    """
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(EmailRecipient, recipient_id)
        if row is None or row.verified:
            return None
        row.verify_token_hash = token_hash
        row.verify_expires_at = expires_at
        session.add(row)
        session.commit()
        return row


def add_line_target(
    *,
    engine: Engine,
    account_uuid: str,
    token_encrypted: str,
    token_masked: str,
    name: str,
    target: str,
    active: bool,
    verified: bool,
    notification_types: list[str],
    max_count: int | None = None,
) -> LineTarget:
    with Session(engine, expire_on_commit=False) as session:
        if max_count is not None:
            quotas.check_count("LINE targets", _held(session, LineTarget, account_uuid), max_count)
        row = LineTarget(
            account_uuid=account_uuid,
            token_encrypted=token_encrypted,
            token_masked=token_masked,
            name=name,
            target=target,
            active=active,
            verified=verified,
            notification_types=",".join(notification_types),
        )
        session.add(row)
        session.commit()
        return row


def list_line_targets(*, engine: Engine, account_uuid: str) -> list[LineTarget]:
    with Session(engine, expire_on_commit=False) as session:
        return list(
            session.exec(
                select(LineTarget).where(LineTarget.account_uuid == account_uuid).order_by(col(LineTarget.id))
            ).all()
        )


def delete_line_target(*, engine: Engine, account_uuid: str, target_id: int) -> None:
    with Session(engine) as session:
        row = session.get(LineTarget, target_id)
        if row is None or row.account_uuid != account_uuid:
            raise _missing("LINE token")
        _fail_pending(session, (Channel.LINE,), target_id, "LINE target deleted")
        session.delete(row)
        session.commit()
