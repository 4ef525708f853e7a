"""A real SMTP server for tests (aiosmtpd on a free port) that keeps every message it accepts.

It runs in its own thread, so tests on the pytest event loop can poll it with `await wait_for`.
`stop()` then `start()` again reuses the same port, so a test can simulate an SMTP outage.
Options: `credentials` requires AUTH (LOGIN/PLAIN), `refuse` answers 550 to those recipients,
`starttls` offers and requires STARTTLS, `implicit_tls` speaks TLS from the first byte (both
take a server `ssl.SSLContext`, e.g. from `self_signed_context`).
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


def self_signed_context(directory: Path, host: str = "127.0.0.1") -> tuple[ssl.SSLContext, Path]:
    """A server TLS context for `host` and the PEM file a client must trust."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context, cert_path


@dataclass
class _Collector:
    mails: list[ReceivedMail] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    refuse: set[str] = field(default_factory=set)
    credentials: tuple[str, str] | None = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and self.credentials is not None
            and (data.login.decode(), data.password.decode()) == self.credentials
        )
        return AuthResult(success=ok, handled=False)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        parsed = BytesParser(policy=policy.default).parsebytes(content)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.mails.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class SmtpSink:
    """`SmtpSink().start()`; `host`/`port` for the service; `mails_to(addr)`; `stop()`."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int | None = None,
        *,
        credentials: tuple[str, str] | None = None,
        refuse: set[str] | None = None,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self._collector = _Collector(refuse={a.lower() for a in refuse or ()}, credentials=credentials)
        self._starttls = starttls
        self._implicit_tls = implicit_tls
        self._controller: Controller | None = None

    def start(self) -> SmtpSink:
        if self._controller is None:
            options: dict[str, Any] = {}
            if self._collector.credentials is not None:
                options.update(
                    authenticator=self._collector.authenticate, auth_required=True, auth_require_tls=False
                )
            if self._starttls is not None:
                options.update(tls_context=self._starttls, require_starttls=True)
            self._controller = Controller(
                self._collector, hostname=self.host, port=self.port, ssl_context=self._implicit_tls, **options
            )
            self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    @property
    def mails(self) -> list[ReceivedMail]:
        with self._collector.lock:
            return list(self._collector.mails)

    def mails_to(self, address: str) -> list[ReceivedMail]:
        return [mail for mail in self.mails if address.lower() in (r.lower() for r in mail.rcpt_tos)]

    async def wait_for(self, address: str, count: int = 1, timeout: float = 10.0) -> list[ReceivedMail]:
        """Poll until `address` got at least `count` mails; returns them (raises on timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.mails_to(address)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise TimeoutError(f"{address} got {len(found)} mails, expected {count}")
            await asyncio.sleep(0.05)


_VERIFY_LINK = re.compile(r"/email_recipients/verify\?token=([A-Za-z0-9_\-]+)")


def verification_token(mail: ReceivedMail) -> str:
    """The one-time token of the link in a recipient verification mail (decoded text body)."""
    body = mail.message.get_body(preferencelist=("plain", "html"))
    assert body is not None, "verification mail without a text body"
    found = _VERIFY_LINK.search(body.get_content())
    assert found, body.get_content()
    return found[1]
