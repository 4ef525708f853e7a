"""Email: alert and verification messages (plain text + HTML, inline snapshot) and SMTP sending.

TLS per `VF_SMTP_TLS` (none, starttls, ssl); login only when `VF_SMTP_USER` is set. A refused
recipient or message (5xx) is permanent; connection problems, timeouts and 4xx are retried.
"""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from services.notifier.config import NotifierSettings
from services.notifier.failures import DeliveryError
from services.notifier.images import Snapshot
from services.notifier.models import Notification


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    user: str
    password: str
    sender: str
    tls: str
    timeout_s: float
    ca_file: str = ""

    @classmethod
    def from_settings(cls, settings: NotifierSettings) -> SmtpConfig:
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            user=settings.smtp_user,
            password=settings.smtp_password,
            sender=settings.smtp_from,
            tls=settings.smtp_tls,
            timeout_s=settings.smtp_timeout_s,
            ca_file=settings.smtp_ca_file,
        )


class Mailer:
    """Sends one message per call over a fresh SMTP connection."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    async def send(self, message: EmailMessage, *, timeout_s: float | None = None) -> None:
        config = self.config
        limit = timeout_s or config.timeout_s
        if "From" not in message:
            message["From"] = config.sender
        try:
            async with asyncio.timeout(limit):
                await aiosmtplib.send(
                    message,
                    hostname=config.host,
                    port=config.port,
                    username=config.user or None,
                    password=config.password if config.user else None,
                    use_tls=config.tls == "ssl",
                    start_tls=config.tls == "starttls",
                    cert_bundle=config.ca_file or None,
                    timeout=limit,
                )
        except aiosmtplib.SMTPRecipientsRefused as error:
            permanent = all(refused.code >= 500 for refused in error.recipients)
            raise DeliveryError(f"recipient refused: {error}", permanent=permanent) from None
        except aiosmtplib.SMTPDataError as error:
            raise DeliveryError(f"message refused: {error}", permanent=error.code >= 500) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise DeliveryError(f"smtp {type(error).__name__}: {error}", permanent=False) from None


def _envelope(subject: str, to: str, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1] or "visionflow")
    return message


def alert_lines(notification: Notification) -> list[tuple[str, str]]:
    """The labelled facts of an alert, shared by mail and LINE."""
    lines = [("Camera", notification.camera_name or f"#{notification.camera_id}")]
    if notification.region_name:
        lines.append(("Region", notification.region_name))
    lines += [
        ("Detected", notification.detection_type),
        ("Confidence", f"{notification.confidence:.0%}"),
        ("Time", notification.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")),
    ]
    return lines


def alert_message(
    notification: Notification, *, to: str, sender: str, snapshot: Snapshot | None, image_url: str = ""
) -> EmailMessage:
    """The alert mail; with a snapshot, the image is inline in the HTML (Content-ID), and with an
    `image_url` (a signed link that needs no login) both parts carry a "View picture" link."""
    camera = notification.camera_name or f"camera {notification.camera_id}"
    message = _envelope(f"[VisionFlow] {notification.detection_type} detected on {camera}", to, sender)
    facts = alert_lines(notification)
    text = notification.message + "\n\n" + "\n".join(f"{label}: {value}" for label, value in facts)
    if image_url:
        text += f"\n\nView picture: {image_url}"
    message.set_content(text + "\n")
    rows = "".join(
        f"<tr><th align='left'>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>"
        for label, value in facts
    )
    cid = make_msgid(domain="visionflow")
    image = f"<p><img src='cid:{cid[1:-1]}' alt='snapshot' style='max-width:100%'></p>" if snapshot else ""
    if image_url:
        image += f"<p><a href='{html.escape(image_url)}'>View picture</a></p>"
    body = (
        f"<html><body><h2>{html.escape(notification.message)}</h2><table>{rows}</table>{image}</body></html>"
    )
    message.add_alternative(body, subtype="html")
    if snapshot is not None:
        html_part = message.get_body(preferencelist=("html",))
        assert isinstance(html_part, EmailMessage)
        html_part.add_related(
            snapshot.data,
            maintype="image",
            subtype=snapshot.subtype,
            cid=cid,
            filename=snapshot.filename,
            disposition="inline",
        )
    return message


def verification_message(*, to: str, name: str, link: str, sender: str) -> EmailMessage:
    message = _envelope("[VisionFlow] Confirm your email address", to, sender)
    greeting = f"Hello {name}," if name else "Hello,"
    message.set_content(
        f"{greeting}\n\nPlease confirm that you want to receive VisionFlow alerts at this address:\n"
        f"{link}\n\nThe link works once and expires in 48 hours. If you did not expect this mail, "
        "ignore it.\n"
    )
    message.add_alternative(
        f"<html><body><p>{html.escape(greeting)}</p><p>Please confirm that you want to receive "
        f"VisionFlow alerts at this address:</p><p><a href='{html.escape(link)}'>Confirm email</a>"
        "</p><p>The link works once and expires in 48 hours.</p></body></html>",
        subtype="html",
    )
    return message
