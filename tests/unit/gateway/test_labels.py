"""The classes the region editor offers: the detector's labels, the `vehicle` group, a fallback."""

from __future__ import annotations

from services.gateway.clients import Clients
from services.gateway.labels import FROM_VOCABULARY, offered, pick_model, region_classes
from visionflow.rpc import open_channel
from visionflow.tokens import TokenVerifier
from visionflow.v1 import auth_pb2_grpc, camera_pb2_grpc, media_pb2, media_pb2_grpc, notifier_pb2_grpc
from visionflow.vocabulary import COCO_CLASSES, DEFAULT_MODEL, VEHICLE_GROUP

UNREACHABLE = "127.0.0.1:1"


def test_a_person_only_model_offers_person_only() -> None:
    assert offered(["person"]) == ("person",)


def test_the_coco_model_offers_vehicle_first_then_its_labels_in_order() -> None:
    names = offered(COCO_CLASSES)
    assert names[0] == VEHICLE_GROUP and names[1:] == COCO_CLASSES


def test_labels_the_camera_service_would_refuse_are_left_out() -> None:
    assert offered(["Person", "forklift", "person", "car"]) == ("person", "car")


def test_an_unknown_model_name_is_served_by_the_default_model() -> None:
    default = media_pb2.ModelInfo(model_name=DEFAULT_MODEL, classes=["person"])
    custom = media_pb2.ModelInfo(model_name="yard", classes=["dog"])
    assert pick_model([custom, default], "yard") is custom
    assert pick_model([custom, default], "missing") is default
    assert pick_model([custom, default], "") is default
    assert pick_model([], DEFAULT_MODEL) is None


async def test_without_a_detector_the_page_offers_the_vocabulary() -> None:
    async def no_keys() -> dict[str, str]:
        return {}

    channel = open_channel(UNREACHABLE)
    clients = Clients(
        auth=auth_pb2_grpc.AuthServiceStub(channel),
        camera=camera_pb2_grpc.CameraServiceStub(channel),
        notifier=notifier_pb2_grpc.NotifierServiceStub(channel),
        ingest=media_pb2_grpc.IngestServiceStub(channel),
        detector=media_pb2_grpc.DetectorServiceStub(channel),
        verifier=TokenVerifier(no_keys),
        channels=[channel],
    )
    try:
        classes = await region_classes(clients, DEFAULT_MODEL)
    finally:
        await clients.close()
    assert classes.source == FROM_VOCABULARY
    assert classes.names == offered(COCO_CLASSES)
