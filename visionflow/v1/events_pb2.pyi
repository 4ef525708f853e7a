import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from visionflow.v1 import camera_pb2 as _camera_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ChangeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANGE_KIND_UNSPECIFIED: _ClassVar[ChangeKind]
    CHANGE_KIND_CREATED: _ClassVar[ChangeKind]
    CHANGE_KIND_UPDATED: _ClassVar[ChangeKind]
    CHANGE_KIND_DELETED: _ClassVar[ChangeKind]

class AccessChangeReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACCESS_CHANGE_REASON_UNSPECIFIED: _ClassVar[AccessChangeReason]
    ACCESS_CHANGE_REASON_SHARE_REVOKED: _ClassVar[AccessChangeReason]
    ACCESS_CHANGE_REASON_SHARE_EXPIRED: _ClassVar[AccessChangeReason]
    ACCESS_CHANGE_REASON_CAMERA_DELETED: _ClassVar[AccessChangeReason]
CHANGE_KIND_UNSPECIFIED: ChangeKind
CHANGE_KIND_CREATED: ChangeKind
CHANGE_KIND_UPDATED: ChangeKind
CHANGE_KIND_DELETED: ChangeKind
ACCESS_CHANGE_REASON_UNSPECIFIED: AccessChangeReason
ACCESS_CHANGE_REASON_SHARE_REVOKED: AccessChangeReason
ACCESS_CHANGE_REASON_SHARE_EXPIRED: AccessChangeReason
ACCESS_CHANGE_REASON_CAMERA_DELETED: AccessChangeReason

class CameraChanged(_message.Message):
    __slots__ = ("kind", "camera", "changed_at")
    KIND_FIELD_NUMBER: _ClassVar[int]
    CAMERA_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    kind: ChangeKind
    camera: _camera_pb2.Camera
    changed_at: _timestamp_pb2.Timestamp
    def __init__(self, kind: _Optional[_Union[ChangeKind, str]] = ..., camera: _Optional[_Union[_camera_pb2.Camera, _Mapping]] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CameraStatus(_message.Message):
    __slots__ = ("camera_id", "account_uuid", "state", "reason", "width", "height", "fps", "observed_at", "last_frame_at")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_UUID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    OBSERVED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_FRAME_AT_FIELD_NUMBER: _ClassVar[int]
    camera_id: int
    account_uuid: str
    state: _camera_pb2.CameraState
    reason: str
    width: int
    height: int
    fps: float
    observed_at: _timestamp_pb2.Timestamp
    last_frame_at: _timestamp_pb2.Timestamp
    def __init__(self, camera_id: _Optional[int] = ..., account_uuid: _Optional[str] = ..., state: _Optional[_Union[_camera_pb2.CameraState, str]] = ..., reason: _Optional[str] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., fps: _Optional[float] = ..., observed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_frame_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AlertEvent(_message.Message):
    __slots__ = ("event_id", "account_uuid", "camera_id", "camera_name", "region_id", "region_name", "track_id", "class_name", "confidence", "dwell_seconds", "capture_time", "snapshot_key", "notification_enabled", "message")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_UUID_FIELD_NUMBER: _ClassVar[int]
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    CAMERA_NAME_FIELD_NUMBER: _ClassVar[int]
    REGION_ID_FIELD_NUMBER: _ClassVar[int]
    REGION_NAME_FIELD_NUMBER: _ClassVar[int]
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    CLASS_NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    DWELL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_TIME_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_KEY_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_ENABLED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    account_uuid: str
    camera_id: int
    camera_name: str
    region_id: int
    region_name: str
    track_id: int
    class_name: str
    confidence: float
    dwell_seconds: float
    capture_time: _timestamp_pb2.Timestamp
    snapshot_key: str
    notification_enabled: bool
    message: str
    def __init__(self, event_id: _Optional[str] = ..., account_uuid: _Optional[str] = ..., camera_id: _Optional[int] = ..., camera_name: _Optional[str] = ..., region_id: _Optional[int] = ..., region_name: _Optional[str] = ..., track_id: _Optional[int] = ..., class_name: _Optional[str] = ..., confidence: _Optional[float] = ..., dwell_seconds: _Optional[float] = ..., capture_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., snapshot_key: _Optional[str] = ..., notification_enabled: _Optional[bool] = ..., message: _Optional[str] = ...) -> None: ...

class SessionEnded(_message.Message):
    __slots__ = ("account_uuid", "session_id", "ended_at", "refuse_until", "session_ids")
    ACCOUNT_UUID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    REFUSE_UNTIL_FIELD_NUMBER: _ClassVar[int]
    SESSION_IDS_FIELD_NUMBER: _ClassVar[int]
    account_uuid: str
    session_id: str
    ended_at: _timestamp_pb2.Timestamp
    refuse_until: _timestamp_pb2.Timestamp
    session_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, account_uuid: _Optional[str] = ..., session_id: _Optional[str] = ..., ended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., refuse_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., session_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CameraAccessChanged(_message.Message):
    __slots__ = ("camera_id", "account_uuid", "reason", "changed_at")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_UUID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    camera_id: int
    account_uuid: str
    reason: AccessChangeReason
    changed_at: _timestamp_pb2.Timestamp
    def __init__(self, camera_id: _Optional[int] = ..., account_uuid: _Optional[str] = ..., reason: _Optional[_Union[AccessChangeReason, str]] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
