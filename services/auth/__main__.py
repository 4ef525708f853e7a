"""Entry point of the auth service: `python -m services.auth`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from functools import partial

import grpc
from sqlalchemy.engine import Engine

from services.auth import natsjwt, store
from services.auth.callout import NatsCallout
from services.auth.config import AuthSettings
from services.auth.hashwork import HashWork
from services.auth.issuer import TokenIssuer
from services.auth.keys import load_or_create_key
from services.auth.passwords import Passwords
from services.auth.ratelimit import LoginLimits, LoginRateLimiter
from services.auth.servicer import AuthServicer
from services.auth.sessions import SessionAnnouncer
from visionflow.db import create_db_engine, utcnow
from visionflow.lifecycle import Runtime, run, service_runtime
from visionflow.logs import scrub_url
from visionflow.v1 import auth_pb2, auth_pb2_grpc

log = logging.getLogger(__name__)

PRUNE_INTERVAL_S = 3600.0


async def prune_loop(runtime: Runtime, engine: Engine, window_seconds: int) -> None:
    """Hourly: delete expired refresh tokens and login failures outside the window."""
    while not runtime.stop_event.is_set():
        now = utcnow()
        tokens, failures = await asyncio.to_thread(
            partial(
                store.prune_expired,
                engine=engine,
                now=now,
                failures_before=now - timedelta(seconds=window_seconds),
            )
        )
        if tokens or failures:
            log.info("pruned refresh_tokens=%s login_failures=%s", tokens, failures)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(runtime.stop_event.wait(), PRUNE_INTERVAL_S)


async def start_callout(runtime: Runtime, issuer: TokenIssuer, seed: str) -> None:
    """Answer NATS logins made with an access token (see services/auth/callout.py)."""
    try:
        signer = natsjwt.account_key(seed)
    except ValueError as error:
        raise SystemExit(f"VF_NATS_CALLOUT_SEED: {error}") from None

    def check_token(token: str) -> tuple[str, str, int]:
        claims = issuer.decode_access(token)
        return str(claims["sub"]), str(claims.get("username", "")), int(claims["exp"])

    callout = NatsCallout(runtime.nc, signer, check_token)
    await callout.start()
    runtime.on_stop(callout.stop)


async def main() -> Runtime:
    settings = AuthSettings()
    async with service_runtime("auth", settings) as runtime:
        log.info("database %s", scrub_url(settings.database_url))
        engine = await asyncio.to_thread(create_db_engine, settings.database_url)
        runtime.on_stop(engine.dispose)
        await asyncio.to_thread(store.init_db, engine)
        key = await asyncio.to_thread(load_or_create_key, settings.private_key_path)
        passwords = await asyncio.to_thread(Passwords)
        limiter = LoginRateLimiter(
            engine,
            LoginLimits(
                max_per_username=settings.auth_login_max_attempts,
                max_per_address=settings.auth_login_max_attempts_per_address,
                window_seconds=settings.auth_login_window_seconds,
                registrations_per_hour=settings.limit_registrations_per_hour,
            ),
        )
        issuer = TokenIssuer(
            key,
            access_ttl_seconds=settings.auth_access_ttl_seconds,
            refresh_ttl_seconds=settings.auth_refresh_ttl_seconds,
        )
        hashing = HashWork(
            login_concurrency=settings.auth_login_hash_concurrency,
            login_queue=settings.auth_login_hash_queue,
            register_concurrency=settings.auth_register_hash_concurrency,
            register_queue=settings.auth_register_hash_queue,
        )
        sessions = SessionAnnouncer(runtime.nc.publish, settings.auth_access_ttl_seconds)
        servicer = AuthServicer(
            engine=engine,
            passwords=passwords,
            limiter=limiter,
            issuer=issuer,
            hashing=hashing,
            sessions=sessions,
            trusted_clients=settings.trusted_clients,
        )
        runtime.add_task(prune_loop(runtime, engine, limiter.longest_window_s), name="prune")
        if settings.nats_callout_seed:
            await start_callout(runtime, issuer, settings.nats_callout_seed)
        else:
            log.info("VF_NATS_CALLOUT_SEED unset: integrators cannot log in to NATS with a token")

        def add_servicers(server: grpc.aio.Server) -> list[str]:
            auth_pb2_grpc.add_AuthServiceServicer_to_server(servicer, server)
            return [auth_pb2.DESCRIPTOR.services_by_name["AuthService"].full_name]

        await runtime.serve(add_servicers, settings.auth_grpc_port)
    return runtime


if __name__ == "__main__":
    run(main)
