from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FrameInfo(_message.Message):
    __slots__ = ("camera_id", "seq", "capture_time_ns", "width", "height")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_TIME_NS_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    camera_id: int
    seq: int
    capture_time_ns: int
    width: int
    height: int
    def __init__(self, camera_id: _Optional[int] = ..., seq: _Optional[int] = ..., capture_time_ns: _Optional[int] = ..., width: _Optional[int] = ..., height: _Optional[int] = ...) -> None: ...

class BoundingBox(_message.Message):
    __slots__ = ("x1", "y1", "x2", "y2")
    X1_FIELD_NUMBER: _ClassVar[int]
    Y1_FIELD_NUMBER: _ClassVar[int]
    X2_FIELD_NUMBER: _ClassVar[int]
    Y2_FIELD_NUMBER: _ClassVar[int]
    x1: float
    y1: float
    x2: float
    y2: float
    def __init__(self, x1: _Optional[float] = ..., y1: _Optional[float] = ..., x2: _Optional[float] = ..., y2: _Optional[float] = ...) -> None: ...

class Detection(_message.Message):
    __slots__ = ("class_id", "class_name", "confidence", "box", "track_id")
    CLASS_ID_FIELD_NUMBER: _ClassVar[int]
    CLASS_NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    BOX_FIELD_NUMBER: _ClassVar[int]
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    class_id: int
    class_name: str
    confidence: float
    box: BoundingBox
    track_id: int
    def __init__(self, class_id: _Optional[int] = ..., class_name: _Optional[str] = ..., confidence: _Optional[float] = ..., box: _Optional[_Union[BoundingBox, _Mapping]] = ..., track_id: _Optional[int] = ...) -> None: ...

class DetectionBatch(_message.Message):
    __slots__ = ("frame", "model_name", "detections", "inference_ms")
    FRAME_FIELD_NUMBER: _ClassVar[int]
    MODEL_NAME_FIELD_NUMBER: _ClassVar[int]
    DETECTIONS_FIELD_NUMBER: _ClassVar[int]
    INFERENCE_MS_FIELD_NUMBER: _ClassVar[int]
    frame: FrameInfo
    model_name: str
    detections: _containers.RepeatedCompositeFieldContainer[Detection]
    inference_ms: float
    def __init__(self, frame: _Optional[_Union[FrameInfo, _Mapping]] = ..., model_name: _Optional[str] = ..., detections: _Optional[_Iterable[_Union[Detection, _Mapping]]] = ..., inference_ms: _Optional[float] = ...) -> None: ...

class GetSnapshotRequest(_message.Message):
    __slots__ = ("camera_id",)
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    camera_id: int
    def __init__(self, camera_id: _Optional[int] = ...) -> None: ...

class GetSnapshotResponse(_message.Message):
    __slots__ = ("jpeg", "frame")
    JPEG_FIELD_NUMBER: _ClassVar[int]
    FRAME_FIELD_NUMBER: _ClassVar[int]
    jpeg: bytes
    frame: FrameInfo
    def __init__(self, jpeg: _Optional[bytes] = ..., frame: _Optional[_Union[FrameInfo, _Mapping]] = ...) -> None: ...

class GetStatsRequest(_message.Message):
    __slots__ = ("camera_id",)
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    camera_id: int
    def __init__(self, camera_id: _Optional[int] = ...) -> None: ...

class CameraStats(_message.Message):
    __slots__ = ("camera_id", "fps_in", "fps_out", "decode_ms", "inference_ms", "encode_ms", "frames_dropped", "reconnects", "state")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    FPS_IN_FIELD_NUMBER: _ClassVar[int]
    FPS_OUT_FIELD_NUMBER: _ClassVar[int]
    DECODE_MS_FIELD_NUMBER: _ClassVar[int]
    INFERENCE_MS_FIELD_NUMBER: _ClassVar[int]
    ENCODE_MS_FIELD_NUMBER: _ClassVar[int]
    FRAMES_DROPPED_FIELD_NUMBER: _ClassVar[int]
    RECONNECTS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    camera_id: int
    fps_in: float
    fps_out: float
    decode_ms: float
    inference_ms: float
    encode_ms: float
    frames_dropped: int
    reconnects: int
    state: str
    def __init__(self, camera_id: _Optional[int] = ..., fps_in: _Optional[float] = ..., fps_out: _Optional[float] = ..., decode_ms: _Optional[float] = ..., inference_ms: _Optional[float] = ..., encode_ms: _Optional[float] = ..., frames_dropped: _Optional[int] = ..., reconnects: _Optional[int] = ..., state: _Optional[str] = ...) -> None: ...

class GetStatsResponse(_message.Message):
    __slots__ = ("cameras",)
    CAMERAS_FIELD_NUMBER: _ClassVar[int]
    cameras: _containers.RepeatedCompositeFieldContainer[CameraStats]
    def __init__(self, cameras: _Optional[_Iterable[_Union[CameraStats, _Mapping]]] = ...) -> None: ...

class ListModelsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ModelInfo(_message.Message):
    __slots__ = ("model_name", "weights", "backend", "device", "classes", "fallback", "note")
    MODEL_NAME_FIELD_NUMBER: _ClassVar[int]
    WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    BACKEND_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    CLASSES_FIELD_NUMBER: _ClassVar[int]
    FALLBACK_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    model_name: str
    weights: str
    backend: str
    device: str
    classes: _containers.RepeatedScalarFieldContainer[str]
    fallback: bool
    note: str
    def __init__(self, model_name: _Optional[str] = ..., weights: _Optional[str] = ..., backend: _Optional[str] = ..., device: _Optional[str] = ..., classes: _Optional[_Iterable[str]] = ..., fallback: _Optional[bool] = ..., note: _Optional[str] = ...) -> None: ...

class ListModelsResponse(_message.Message):
    __slots__ = ("models",)
    MODELS_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[ModelInfo]
    def __init__(self, models: _Optional[_Iterable[_Union[ModelInfo, _Mapping]]] = ...) -> None: ...
