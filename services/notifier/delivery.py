"""The delivery worker: claims due outbox rows, sends them, records sent / retry / failed.

The only sending path for alerts. It polls the outbox (and wakes early when a request queues
rows), sends up to `concurrency` rows at once, backs off exponentially after failures and
delays — never drops — messages of an account over its per-minute limit. Rows live in the
database, so pending work survives restarts; a row claimed by a process that died becomes due
again when its lease ends.

`wait_any_sent` lets CreateNotification wait briefly for the first accepted channel so that it
can answer `notification_sent` honestly (see servicer.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from services.notifier import outbox
from services.notifier.channels import ChannelSender
from services.notifier.failures import DeliveryError
from services.notifier.models import Delivery
from services.notifier.outbox import Backoff
from services.notifier.ratelimit import AccountRateLimiter

log = logging.getLogger(__name__)

DRAIN_GRACE_S = 5.0


@dataclass
class _Watch:
    future: asyncio.Future[bool]
    remaining: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class WorkerPolicy:
    backoff: Backoff
    lease_s: float
    max_attempts: int
    concurrency: int
    poll_s: float = 1.0


class DeliveryWorker:
    def __init__(
        self, *, engine: Engine, sender: ChannelSender, limiter: AccountRateLimiter, policy: WorkerPolicy
    ) -> None:
        self._engine = engine
        self._sender = sender
        self._limiter = limiter
        self._policy = policy
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()
        self._watches: dict[int, _Watch] = {}

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """End `run` after its current round (a loop stops by an event: cancel() can be lost)."""
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        policy = self._policy
        try:
            while not self._stopping.is_set():
                self._wake.clear()
                free = policy.concurrency - len(self._inflight)
                if free > 0:
                    try:
                        rows = await asyncio.to_thread(
                            outbox.claim_due, engine=self._engine, limit=free, lease_s=policy.lease_s
                        )
                    except Exception:  # the database may be briefly away; the rows wait there
                        log.exception("claiming deliveries failed; retrying")
                        rows = []
                    for row in rows:
                        self._spawn(row)
                # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a cancel.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(policy.poll_s):
                        await self._wake.wait()
        finally:
            await self._drain()

    async def _drain(self) -> None:
        """On stop, let sends in flight finish briefly; cut the rest (their leases expire)."""
        if not self._inflight:
            return
        _, pending = await asyncio.wait(set(self._inflight), timeout=DRAIN_GRACE_S)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def _spawn(self, row: Delivery) -> None:
        task = asyncio.create_task(self._deliver(row), name=f"delivery:{row.id}")
        self._inflight.add(task)

        def _done(finished: asyncio.Task[None]) -> None:
            self._inflight.discard(finished)
            self._wake.set()
            if not finished.cancelled() and finished.exception() is not None:
                # Recording the outcome failed; the row's lease expires and it is tried again.
                log.error("delivery=%s outcome not recorded", row.id, exc_info=finished.exception())

        task.add_done_callback(_done)

    async def _deliver(self, row: Delivery) -> None:
        assert row.id is not None
        delay = await asyncio.to_thread(self._limiter.reserve, row.account_uuid)
        if delay > 0:
            log.info("rate limit: delaying delivery=%s account=%s by %.1fs", row.id, row.account_uuid, delay)
            await asyncio.to_thread(outbox.defer, engine=self._engine, delivery_id=row.id, delay_s=delay)
            self._settle(row.id, sent=False)
            return
        try:
            await self._sender.send(row)
        except DeliveryError as error:
            await self._record_failure(row, error.reason, permanent=error.permanent)
            self._settle(row.id, sent=False)
            return
        except Exception as error:  # a bug in one row must not stop the worker
            log.exception("delivery crashed delivery=%s account=%s", row.id, row.account_uuid)
            await self._record_failure(row, f"internal error: {error!r}", permanent=False)
            self._settle(row.id, sent=False)
            return
        await asyncio.to_thread(outbox.mark_sent, engine=self._engine, delivery_id=row.id)
        self._settle(row.id, sent=True)

    async def _record_failure(self, row: Delivery, reason: str, *, permanent: bool) -> None:
        assert row.id is not None
        if permanent or row.attempts >= self._policy.max_attempts:
            log.warning(
                "delivery failed for good delivery=%s channel=%s account=%s attempts=%s: %s",
                row.id,
                row.channel,
                row.account_uuid,
                row.attempts,
                reason,
            )
            await asyncio.to_thread(outbox.mark_failed, engine=self._engine, delivery_id=row.id, error=reason)
            return
        delay = self._policy.backoff.delay(row.attempts)
        log.info(
            "delivery retry delivery=%s channel=%s account=%s attempt=%s in %.1fs: %s",
            row.id,
            row.channel,
            row.account_uuid,
            row.attempts,
            delay,
            reason,
        )
        await asyncio.to_thread(
            outbox.schedule_retry, engine=self._engine, delivery_id=row.id, error=reason, delay_s=delay
        )

    def _settle(self, delivery_id: int, *, sent: bool) -> None:
        watch = self._watches.pop(delivery_id, None)
        if watch is None or watch.future.done():
            return
        watch.remaining.discard(delivery_id)
        if sent:
            watch.future.set_result(True)
        elif not watch.remaining:
            watch.future.set_result(False)

    async def wait_any_sent(self, delivery_ids: Iterable[int], *, timeout_s: float) -> bool:
        """Wake the worker and wait until one of these rows is sent (True) or all first attempts
        failed or were delayed (False), at most `timeout_s`."""
        ids = set(delivery_ids)
        if not ids:
            return False
        watch = _Watch(asyncio.get_running_loop().create_future(), set(ids))
        for delivery_id in ids:
            self._watches[delivery_id] = watch
        self.wake()
        try:
            return await asyncio.wait_for(asyncio.shield(watch.future), timeout_s)
        except TimeoutError:
            return False
        finally:
            for delivery_id in ids:
                if self._watches.get(delivery_id) is watch:
                    del self._watches[delivery_id]
