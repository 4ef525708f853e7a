"""SMTP sending against real aiosmtpd servers: plain, login, STARTTLS, SSL, and failure kinds."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from services.notifier.failures import DeliveryError
from services.notifier.mail import Mailer, SmtpConfig, verification_message
from tests.support.smtp import SmtpSink, free_port, self_signed_context


def mailer(sink_port: int, *, tls: str = "none", user: str = "", password: str = "", ca: str = "") -> Mailer:
    return Mailer(SmtpConfig("127.0.0.1", sink_port, user, password, "vf@example.test", tls, 3.0, ca))


def message(to: str = "ops@example.com") -> EmailMessage:
    return verification_message(to=to, name="Ops", link="https://vf.test/x", sender="vf@example.test")


@pytest.fixture
def sinks() -> Iterator[list[SmtpSink]]:
    started: list[SmtpSink] = []
    yield started
    for sink in started:
        sink.stop()


def started(sinks: list[SmtpSink], sink: SmtpSink) -> SmtpSink:
    sinks.append(sink.start())
    return sink


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_login_is_used_when_a_user_is_set(sinks: list[SmtpSink]) -> None:
    sink = started(sinks, SmtpSink(credentials=("alerts", "s3cret")))
    await mailer(sink.port, user="alerts", password="s3cret").send(message())
    assert len(sink.mails_to("ops@example.com")) == 1
    with pytest.raises(DeliveryError) as caught:
        await mailer(sink.port, user="alerts", password="wrong").send(message())
    assert not caught.value.permanent  # a configuration problem: keep the mail until it is fixed
    with pytest.raises(DeliveryError):
        await mailer(sink.port).send(message())  # the server insists on AUTH
    assert len(sink.mails) == 1


async def test_refused_recipient_is_permanent_and_down_server_is_not(sinks: list[SmtpSink]) -> None:
    sink = started(sinks, SmtpSink(refuse={"gone@example.com"}))
    with pytest.raises(DeliveryError) as refused:
        await mailer(sink.port).send(message("gone@example.com"))
    assert refused.value.permanent
    with pytest.raises(DeliveryError) as down:
        await mailer(free_port()).send(message())
    assert not down.value.permanent


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
async def test_tls_modes_deliver_with_a_trusted_certificate(
    sinks: list[SmtpSink], tmp_path: Path, mode: str
) -> None:
    context, cert = self_signed_context(tmp_path)
    sink = started(
        sinks, SmtpSink(starttls=context) if mode == "starttls" else SmtpSink(implicit_tls=context)
    )
    await mailer(sink.port, tls=mode, ca=str(cert)).send(message())
    assert len(sink.mails_to("ops@example.com")) == 1
    with pytest.raises(DeliveryError):  # without trusting the certificate nothing is sent
        await mailer(sink.port, tls=mode).send(message())
    if mode == "starttls":
        with pytest.raises(DeliveryError):  # the server requires STARTTLS; plain is refused
            await mailer(sink.port).send(message())
    assert len(sink.mails) == 1
