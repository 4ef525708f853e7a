"""`python -m services.camera`: the camera service process."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import grpc

from services.camera import shares, store
from services.camera.access import AccessAnnouncer, expire_forever
from services.camera.accounts import AccountDirectory
from services.camera.config import CameraSettings
from services.camera.models import Camera, Share, StatusUpdate
from services.camera.publisher import CameraPublisher
from services.camera.servicer import CameraServicer
from services.camera.status import StatusRecorder
from visionflow import subjects
from visionflow.db import create_db_engine
from visionflow.lifecycle import Runtime, run, service_runtime
from visionflow.rpc import open_channel
from visionflow.tokens import TokenVerifier, auth_service_key_fetcher
from visionflow.v1 import camera_pb2, camera_pb2_grpc, events_pb2


async def main() -> Runtime:
    settings = CameraSettings()
    async with service_runtime("camera", settings) as runtime:
        engine = await asyncio.to_thread(create_db_engine, settings.database_url)
        runtime.on_stop(engine.dispose)
        await asyncio.to_thread(store.create_tables, engine)

        async def load(camera_id: int) -> Camera | None:
            return await asyncio.to_thread(store.load_camera, engine=engine, camera_id=camera_id)

        async def write_statuses(updates: Sequence[StatusUpdate]) -> int:
            return await asyncio.to_thread(store.apply_statuses, engine=engine, updates=updates)

        publisher = CameraPublisher(js=runtime.js, load=load, layout=settings.bus_layout())
        await publisher.reconcile(await asyncio.to_thread(store.list_all_cameras, engine=engine))
        runtime.add_task(publisher.retry_forever(), name="camera-publish-retry")

        recorder = StatusRecorder(write=write_statuses, interval=settings.camera_status_flush_s)
        subscription = await runtime.nc.subscribe(
            subjects.CAMERA_STATUS_ALL, queue=subjects.CAMERA_STATUS_QUEUE, cb=recorder.on_message
        )
        runtime.add_task(recorder.run(), name="camera-status")

        async def stop_status() -> None:
            await subscription.unsubscribe()
            await recorder.flush()

        runtime.on_stop(stop_status)

        announcer = AccessAnnouncer(runtime.nc)
        auth_channel = open_channel(settings.auth_address)
        runtime.on_stop(auth_channel.close)

        async def expire() -> list[Share]:
            return await asyncio.to_thread(shares.expire_shares, engine=engine)

        async def republish(camera_id: int, account_uuid: str) -> bool:
            return await publisher.publish(
                events_pb2.CHANGE_KIND_UPDATED, camera_id=camera_id, account_uuid=account_uuid
            )

        runtime.add_task(expire_forever(expire, republish, announcer), name="camera-share-expiry")

        servicer = CameraServicer(
            engine=engine,
            settings=settings,
            verifier=TokenVerifier(auth_service_key_fetcher(settings.auth_address, settings.grpc_tls())),
            publisher=publisher,
            accounts=AccountDirectory(auth_channel),
            announcer=announcer,
        )

        def register(server: grpc.aio.Server) -> list[str]:
            camera_pb2_grpc.add_CameraServiceServicer_to_server(servicer, server)
            return [camera_pb2.DESCRIPTOR.services_by_name["CameraService"].full_name]

        await runtime.serve(register, settings.camera_grpc_port)
    return runtime


if __name__ == "__main__":
    run(main)
