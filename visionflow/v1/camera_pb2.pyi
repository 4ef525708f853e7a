import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CameraAccess(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAMERA_ACCESS_UNSPECIFIED: _ClassVar[CameraAccess]
    CAMERA_ACCESS_OWNER: _ClassVar[CameraAccess]
    CAMERA_ACCESS_VIEWER: _ClassVar[CameraAccess]

class CameraState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAMERA_STATE_UNSPECIFIED: _ClassVar[CameraState]
    CAMERA_STATE_CONNECTING: _ClassVar[CameraState]
    CAMERA_STATE_ONLINE: _ClassVar[CameraState]
    CAMERA_STATE_OFFLINE: _ClassVar[CameraState]
    CAMERA_STATE_ERROR: _ClassVar[CameraState]
CAMERA_ACCESS_UNSPECIFIED: CameraAccess
CAMERA_ACCESS_OWNER: CameraAccess
CAMERA_ACCESS_VIEWER: CameraAccess
CAMERA_STATE_UNSPECIFIED: CameraState
CAMERA_STATE_CONNECTING: CameraState
CAMERA_STATE_ONLINE: CameraState
CAMERA_STATE_OFFLINE: CameraState
CAMERA_STATE_ERROR: CameraState

class CameraGrant(_message.Message):
    __slots__ = ("grantee_account_uuid", "include_past_notifications", "granted_at", "expires_at")
    GRANTEE_ACCOUNT_UUID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_PAST_NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    GRANTED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    grantee_account_uuid: str
    include_past_notifications: bool
    granted_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, grantee_account_uuid: _Optional[str] = ..., include_past_notifications: _Optional[bool] = ..., granted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Point(_message.Message):
    __slots__ = ("x", "y")
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    x: float
    y: float
    def __init__(self, x: _Optional[float] = ..., y: _Optional[float] = ...) -> None: ...

class Region(_message.Message):
    __slots__ = ("id", "name", "coordinates", "alert_duration", "notification_enabled", "detection_classes", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    COORDINATES_FIELD_NUMBER: _ClassVar[int]
    ALERT_DURATION_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_ENABLED_FIELD_NUMBER: _ClassVar[int]
    DETECTION_CLASSES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    name: str
    coordinates: _containers.RepeatedCompositeFieldContainer[Point]
    alert_duration: float
    notification_enabled: bool
    detection_classes: _containers.RepeatedScalarFieldContainer[str]
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ..., coordinates: _Optional[_Iterable[_Union[Point, _Mapping]]] = ..., alert_duration: _Optional[float] = ..., notification_enabled: _Optional[bool] = ..., detection_classes: _Optional[_Iterable[str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RegionInput(_message.Message):
    __slots__ = ("name", "coordinates", "alert_duration", "notification_enabled", "detection_classes")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COORDINATES_FIELD_NUMBER: _ClassVar[int]
    ALERT_DURATION_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_ENABLED_FIELD_NUMBER: _ClassVar[int]
    DETECTION_CLASSES_FIELD_NUMBER: _ClassVar[int]
    name: str
    coordinates: _containers.RepeatedCompositeFieldContainer[Point]
    alert_duration: float
    notification_enabled: bool
    detection_classes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., coordinates: _Optional[_Iterable[_Union[Point, _Mapping]]] = ..., alert_duration: _Optional[float] = ..., notification_enabled: _Optional[bool] = ..., detection_classes: _Optional[_Iterable[str]] = ...) -> None: ...

class Camera(_message.Message):
    __slots__ = ("id", "account_uuid", "name", "stream_url", "recognition", "location", "model_name", "status", "status_reason", "created_at", "updated_at", "last_active", "width", "height", "regions", "detect_fps", "detect_stream_url", "access", "grants", "owner_username")
    ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_UUID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    STREAM_URL_FIELD_NUMBER: _ClassVar[int]
    RECOGNITION_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    MODEL_NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    DETECT_FPS_FIELD_NUMBER: _ClassVar[int]
    DETECT_STREAM_URL_FIELD_NUMBER: _ClassVar[int]
    ACCESS_FIELD_NUMBER: _ClassVar[int]
    GRANTS_FIELD_NUMBER: _ClassVar[int]
    OWNER_USERNAME_FIELD_NUMBER: _ClassVar[int]
    id: int
    account_uuid: str
    name: str
    stream_url: str
    recognition: bool
    location: str
    model_name: str
    status: CameraState
    status_reason: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    last_active: _timestamp_pb2.Timestamp
    width: int
    height: int
    regions: _containers.RepeatedCompositeFieldContainer[Region]
    detect_fps: float
    detect_stream_url: str
    access: CameraAccess
    grants: _containers.RepeatedCompositeFieldContainer[CameraGrant]
    owner_username: str
    def __init__(self, id: _Optional[int] = ..., account_uuid: _Optional[str] = ..., name: _Optional[str] = ..., stream_url: _Optional[str] = ..., recognition: _Optional[bool] = ..., location: _Optional[str] = ..., model_name: _Optional[str] = ..., status: _Optional[_Union[CameraState, str]] = ..., status_reason: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_active: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., regions: _Optional[_Iterable[_Union[Region, _Mapping]]] = ..., detect_fps: _Optional[float] = ..., detect_stream_url: _Optional[str] = ..., access: _Optional[_Union[CameraAccess, str]] = ..., grants: _Optional[_Iterable[_Union[CameraGrant, _Mapping]]] = ..., owner_username: _Optional[str] = ...) -> None: ...

class CreateCameraRequest(_message.Message):
    __slots__ = ("name", "stream_url", "recognition", "location", "model_name", "detection_areas", "detect_fps", "detect_stream_url")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STREAM_URL_FIELD_NUMBER: _ClassVar[int]
    RECOGNITION_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    MODEL_NAME_FIELD_NUMBER: _ClassVar[int]
    DETECTION_AREAS_FIELD_NUMBER: _ClassVar[int]
    DETECT_FPS_FIELD_NUMBER: _ClassVar[int]
    DETECT_STREAM_URL_FIELD_NUMBER: _ClassVar[int]
    name: str
    stream_url: str
    recognition: bool
    location: str
    model_name: str
    detection_areas: _containers.RepeatedCompositeFieldContainer[RegionInput]
    detect_fps: float
    detect_stream_url: str
    def __init__(self, name: _Optional[str] = ..., stream_url: _Optional[str] = ..., recognition: _Optional[bool] = ..., location: _Optional[str] = ..., model_name: _Optional[str] = ..., detection_areas: _Optional[_Iterable[_Union[RegionInput, _Mapping]]] = ..., detect_fps: _Optional[float] = ..., detect_stream_url: _Optional[str] = ...) -> None: ...

class CreateCameraResponse(_message.Message):
    __slots__ = ("camera",)
    CAMERA_FIELD_NUMBER: _ClassVar[int]
    camera: Camera
    def __init__(self, camera: _Optional[_Union[Camera, _Mapping]] = ...) -> None: ...

class ListCamerasRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListCamerasResponse(_message.Message):
    __slots__ = ("cameras",)
    CAMERAS_FIELD_NUMBER: _ClassVar[int]
    cameras: _containers.RepeatedCompositeFieldContainer[Camera]
    def __init__(self, cameras: _Optional[_Iterable[_Union[Camera, _Mapping]]] = ...) -> None: ...

class GetCameraRequest(_message.Message):
    __slots__ = ("camera_id",)
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    camera_id: int
    def __init__(self, camera_id: _Optional[int] = ...) -> None: ...

class GetCameraResponse(_message.Message):
    __slots__ = ("camera",)
    CAMERA_FIELD_NUMBER: _ClassVar[int]
    camera: Camera
    def __init__(self, camera: _Optional[_Union[Camera, _Mapping]] = ...) -> None: ...

class UpdateCameraRequest(_message.Message):
    __slots__ = ("camera_id", "name", "stream_url", "recognition", "location", "model_name", "detect_fps", "detect_stream_url", "replace_regions", "regions")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    STREAM_URL_FIELD_NUMBER: _ClassVar[int]
    RECOGNITION_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    MODEL_NAME_FIELD_NUMBER: _ClassVar[int]
    DETECT_FPS_FIELD_NUMBER: _ClassVar[int]
    DETECT_STREAM_URL_FIELD_NUMBER: _ClassVar[int]
    REPLACE_REGIONS_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    camera_id: int
    name: str
    stream_url: str
    recognition: bool
    location: str
    model_name: str
    detect_fps: float
    detect_stream_url: str
    replace_regions: bool
    regions: _containers.RepeatedCompositeFieldContainer[RegionInput]
    def __init__(self, camera_id: _Optional[int] = ..., name: _Optional[str] = ..., stream_url: _Optional[str] = ..., recognition: _Optional[bool] = ..., location: _Optional[str] = ..., model_name: _Optional[str] = ..., detect_fps: _Optional[float] = ..., detect_stream_url: _Optional[str] = ..., replace_regions: _Optional[bool] = ..., regions: _Optional[_Iterable[_Union[RegionInput, _Mapping]]] = ...) -> None: ...

class UpdateCameraResponse(_message.Message):
    __slots__ = ("camera",)
    CAMERA_FIELD_NUMBER: _ClassVar[int]
    camera: Camera
    def __init__(self, camera: _Optional[_Union[Camera, _Mapping]] = ...) -> None: ...

class DeleteCameraRequest(_message.Message):
    __slots__ = ("camera_id",)
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    camera_id: int
    def __init__(self, camera_id: _Optional[int] = ...) -> None: ...

class DeleteCameraResponse(_message.Message):
    __slots__ = ("camera_id",)
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    camera_id: int
    def __init__(self, camera_id: _Optional[int] = ...) -> None: ...

class ReplaceRegionsRequest(_message.Message):
    __slots__ = ("camera_id", "regions")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    camera_id: int
    regions: _containers.RepeatedCompositeFieldContainer[RegionInput]
    def __init__(self, camera_id: _Optional[int] = ..., regions: _Optional[_Iterable[_Union[RegionInput, _Mapping]]] = ...) -> None: ...

class ReplaceRegionsResponse(_message.Message):
    __slots__ = ("camera_id", "regions_count", "saved_at", "regions")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    REGIONS_COUNT_FIELD_NUMBER: _ClassVar[int]
    SAVED_AT_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    camera_id: int
    regions_count: int
    saved_at: _timestamp_pb2.Timestamp
    regions: _containers.RepeatedCompositeFieldContainer[Region]
    def __init__(self, camera_id: _Optional[int] = ..., regions_count: _Optional[int] = ..., saved_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., regions: _Optional[_Iterable[_Union[Region, _Mapping]]] = ...) -> None: ...

class ListRegionsRequest(_message.Message):
    __slots__ = ("camera_id",)
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    camera_id: int
    def __init__(self, camera_id: _Optional[int] = ...) -> None: ...

class ListRegionsResponse(_message.Message):
    __slots__ = ("camera_id", "regions")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    camera_id: int
    regions: _containers.RepeatedCompositeFieldContainer[Region]
    def __init__(self, camera_id: _Optional[int] = ..., regions: _Optional[_Iterable[_Union[Region, _Mapping]]] = ...) -> None: ...

class DeleteRegionsRequest(_message.Message):
    __slots__ = ("camera_id",)
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    camera_id: int
    def __init__(self, camera_id: _Optional[int] = ...) -> None: ...

class DeleteRegionsResponse(_message.Message):
    __slots__ = ("camera_id", "deleted_regions", "deleted_at")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    DELETED_REGIONS_FIELD_NUMBER: _ClassVar[int]
    DELETED_AT_FIELD_NUMBER: _ClassVar[int]
    camera_id: int
    deleted_regions: int
    deleted_at: _timestamp_pb2.Timestamp
    def __init__(self, camera_id: _Optional[int] = ..., deleted_regions: _Optional[int] = ..., deleted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RenderMaskRequest(_message.Message):
    __slots__ = ("camera_id", "width", "height")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    camera_id: int
    width: int
    height: int
    def __init__(self, camera_id: _Optional[int] = ..., width: _Optional[int] = ..., height: _Optional[int] = ...) -> None: ...

class RenderMaskResponse(_message.Message):
    __slots__ = ("png", "width", "height")
    PNG_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    png: bytes
    width: int
    height: int
    def __init__(self, png: _Optional[bytes] = ..., width: _Optional[int] = ..., height: _Optional[int] = ...) -> None: ...

class CameraShare(_message.Message):
    __slots__ = ("id", "camera_id", "grantee_account_uuid", "grantee_username", "include_past_notifications", "expires_at", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    GRANTEE_ACCOUNT_UUID_FIELD_NUMBER: _ClassVar[int]
    GRANTEE_USERNAME_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_PAST_NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    camera_id: int
    grantee_account_uuid: str
    grantee_username: str
    include_past_notifications: bool
    expires_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., camera_id: _Optional[int] = ..., grantee_account_uuid: _Optional[str] = ..., grantee_username: _Optional[str] = ..., include_past_notifications: _Optional[bool] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ShareCameraRequest(_message.Message):
    __slots__ = ("camera_id", "grantee", "expires_at", "include_past_notifications")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    GRANTEE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_PAST_NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    camera_id: int
    grantee: str
    expires_at: _timestamp_pb2.Timestamp
    include_past_notifications: bool
    def __init__(self, camera_id: _Optional[int] = ..., grantee: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., include_past_notifications: _Optional[bool] = ...) -> None: ...

class ShareCameraResponse(_message.Message):
    __slots__ = ("share",)
    SHARE_FIELD_NUMBER: _ClassVar[int]
    share: CameraShare
    def __init__(self, share: _Optional[_Union[CameraShare, _Mapping]] = ...) -> None: ...

class ListCameraSharesRequest(_message.Message):
    __slots__ = ("camera_id",)
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    camera_id: int
    def __init__(self, camera_id: _Optional[int] = ...) -> None: ...

class ListCameraSharesResponse(_message.Message):
    __slots__ = ("shares",)
    SHARES_FIELD_NUMBER: _ClassVar[int]
    shares: _containers.RepeatedCompositeFieldContainer[CameraShare]
    def __init__(self, shares: _Optional[_Iterable[_Union[CameraShare, _Mapping]]] = ...) -> None: ...

class RevokeCameraShareRequest(_message.Message):
    __slots__ = ("camera_id", "share_id")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    SHARE_ID_FIELD_NUMBER: _ClassVar[int]
    camera_id: int
    share_id: int
    def __init__(self, camera_id: _Optional[int] = ..., share_id: _Optional[int] = ...) -> None: ...

class RevokeCameraShareResponse(_message.Message):
    __slots__ = ("share_id",)
    SHARE_ID_FIELD_NUMBER: _ClassVar[int]
    share_id: int
    def __init__(self, share_id: _Optional[int] = ...) -> None: ...

class ListSharedCamerasRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SharedCamera(_message.Message):
    __slots__ = ("camera", "share_id", "include_past_notifications", "expires_at", "granted_at")
    CAMERA_FIELD_NUMBER: _ClassVar[int]
    SHARE_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_PAST_NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    GRANTED_AT_FIELD_NUMBER: _ClassVar[int]
    camera: Camera
    share_id: int
    include_past_notifications: bool
    expires_at: _timestamp_pb2.Timestamp
    granted_at: _timestamp_pb2.Timestamp
    def __init__(self, camera: _Optional[_Union[Camera, _Mapping]] = ..., share_id: _Optional[int] = ..., include_past_notifications: _Optional[bool] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., granted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListSharedCamerasResponse(_message.Message):
    __slots__ = ("cameras",)
    CAMERAS_FIELD_NUMBER: _ClassVar[int]
    cameras: _containers.RepeatedCompositeFieldContainer[SharedCamera]
    def __init__(self, cameras: _Optional[_Iterable[_Union[SharedCamera, _Mapping]]] = ...) -> None: ...
