"""`python -m services.notifier`: the notifier's gRPC server, delivery worker and alert consumer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import timedelta

import grpc

from services.notifier.channels import ChannelSender
from services.notifier.config import NotifierSettings
from services.notifier.crypto import TokenBox, load_or_create_key
from services.notifier.delivery import DeliveryWorker, WorkerPolicy
from services.notifier.handlers import AlertConsumer
from services.notifier.images import SnapshotStore
from services.notifier.line import LineClient
from services.notifier.mail import Mailer, SmtpConfig
from services.notifier.outbox import Backoff
from services.notifier.ratelimit import AccountRateLimiter
from services.notifier.servicer import NotifierServicer
from visionflow import migrate
from visionflow.camerafeed import CameraFeed
from visionflow.db import create_db_engine
from visionflow.lifecycle import Runtime, run, service_runtime
from visionflow.links import ImageLinkSigner, link_key_path, load_or_create_link_key
from visionflow.tokens import TokenVerifier, auth_service_key_fetcher
from visionflow.v1 import notifier_pb2, notifier_pb2_grpc

log = logging.getLogger(__name__)

FEED_SYNC_TIMEOUT_S = 10.0


def _policy(settings: NotifierSettings) -> WorkerPolicy:
    return WorkerPolicy(
        backoff=Backoff(base_s=settings.notifier_retry_base_s, max_s=settings.notifier_retry_max_s),
        lease_s=settings.notifier_delivery_lease_s,
        max_attempts=settings.notifier_max_attempts,
        concurrency=settings.notifier_delivery_concurrency,
        poll_s=min(1.0, settings.notifier_retry_base_s),
    )


async def main() -> Runtime:
    settings = NotifierSettings()
    async with service_runtime("notifier", settings) as runtime:
        engine = await asyncio.to_thread(create_db_engine, settings.database_url)
        runtime.on_stop(engine.dispose)
        await asyncio.to_thread(migrate.upgrade, engine, "notifier")
        token_box = TokenBox(await asyncio.to_thread(load_or_create_key, settings.secret_key_path))
        link_key = await asyncio.to_thread(load_or_create_link_key, link_key_path(settings))
        line = LineClient(settings.line_api_base)
        runtime.on_stop(line.close)
        verification_ttl = timedelta(hours=settings.notifier_verification_ttl_hours)
        sender = ChannelSender(
            engine=engine,
            mailer=Mailer(SmtpConfig.from_settings(settings)),
            line=line,
            snapshots=SnapshotStore(runtime.js),
            token_box=token_box,
            public_url=settings.public_url,
            verification_ttl=verification_ttl,
            link_signer=ImageLinkSigner(link_key),
            link_ttl_s=settings.image_link_ttl_seconds,
        )
        worker = DeliveryWorker(
            engine=engine,
            sender=sender,
            limiter=AccountRateLimiter(engine, settings.notifier_rate_limit_per_minute),
            policy=_policy(settings),
        )
        runtime.add_task(worker.run(), name="delivery")
        runtime.stop_task_by(worker.stop)
        cameras = CameraFeed(runtime.js)  # which account owns which camera
        await cameras.start()
        runtime.on_stop(cameras.stop)
        if not await cameras.wait_synced(FEED_SYNC_TIMEOUT_S):
            log.warning(
                "camera feed not replayed in %ss; alerts for unknown cameras wait", FEED_SYNC_TIMEOUT_S
            )
        consumer = AlertConsumer(
            js=runtime.js,
            engine=engine,
            worker=worker,
            cameras=cameras,
            ack_wait_s=settings.notifier_alert_ack_wait_s,
        )
        runtime.add_task(consumer.run(), name="alerts")
        servicer = NotifierServicer(
            engine=engine,
            verifier=TokenVerifier(auth_service_key_fetcher(settings.auth_address, settings.grpc_tls())),
            worker=worker,
            sender=sender,
            line=line,
            token_box=token_box,
            inline_timeout_s=settings.notifier_inline_timeout_s,
            verification_ttl=verification_ttl,
            cameras=cameras,
            quotas=settings.quotas(),
            mail_limits=settings.mail_limits,
        )

        def register(server: grpc.aio.Server) -> Iterable[str]:
            notifier_pb2_grpc.add_NotifierServiceServicer_to_server(servicer, server)
            return [notifier_pb2.DESCRIPTOR.services_by_name["NotifierService"].full_name]

        await runtime.serve(register, settings.notifier_grpc_port)
    return runtime


if __name__ == "__main__":
    run(main)
