import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NotificationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NOTIFICATION_STATUS_UNSPECIFIED: _ClassVar[NotificationStatus]
    NOTIFICATION_STATUS_UNREAD: _ClassVar[NotificationStatus]
    NOTIFICATION_STATUS_READ: _ClassVar[NotificationStatus]
NOTIFICATION_STATUS_UNSPECIFIED: NotificationStatus
NOTIFICATION_STATUS_UNREAD: NotificationStatus
NOTIFICATION_STATUS_READ: NotificationStatus

class Notification(_message.Message):
    __slots__ = ("id", "account_uuid", "camera_id", "camera_name", "message", "image_path", "detection_type", "confidence", "status", "created_at", "region_name", "notification_sent", "metadata_json", "shared", "owner_username")
    ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_UUID_FIELD_NUMBER: _ClassVar[int]
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    CAMERA_NAME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    IMAGE_PATH_FIELD_NUMBER: _ClassVar[int]
    DETECTION_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    REGION_NAME_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_SENT_FIELD_NUMBER: _ClassVar[int]
    METADATA_JSON_FIELD_NUMBER: _ClassVar[int]
    SHARED_FIELD_NUMBER: _ClassVar[int]
    OWNER_USERNAME_FIELD_NUMBER: _ClassVar[int]
    id: int
    account_uuid: str
    camera_id: int
    camera_name: str
    message: str
    image_path: str
    detection_type: str
    confidence: float
    status: NotificationStatus
    created_at: _timestamp_pb2.Timestamp
    region_name: str
    notification_sent: bool
    metadata_json: str
    shared: bool
    owner_username: str
    def __init__(self, id: _Optional[int] = ..., account_uuid: _Optional[str] = ..., camera_id: _Optional[int] = ..., camera_name: _Optional[str] = ..., message: _Optional[str] = ..., image_path: _Optional[str] = ..., detection_type: _Optional[str] = ..., confidence: _Optional[float] = ..., status: _Optional[_Union[NotificationStatus, str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., region_name: _Optional[str] = ..., notification_sent: _Optional[bool] = ..., metadata_json: _Optional[str] = ..., shared: _Optional[bool] = ..., owner_username: _Optional[str] = ...) -> None: ...

class AuthorizeImageRequest(_message.Message):
    __slots__ = ("image_path",)
    IMAGE_PATH_FIELD_NUMBER: _ClassVar[int]
    image_path: str
    def __init__(self, image_path: _Optional[str] = ...) -> None: ...

class AuthorizeImageResponse(_message.Message):
    __slots__ = ("owner_account_uuid",)
    OWNER_ACCOUNT_UUID_FIELD_NUMBER: _ClassVar[int]
    owner_account_uuid: str
    def __init__(self, owner_account_uuid: _Optional[str] = ...) -> None: ...

class CreateNotificationRequest(_message.Message):
    __slots__ = ("camera_id", "camera_name", "message", "image_path", "detection_type", "confidence", "region_name", "metadata_json", "event_id")
    CAMERA_ID_FIELD_NUMBER: _ClassVar[int]
    CAMERA_NAME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    IMAGE_PATH_FIELD_NUMBER: _ClassVar[int]
    DETECTION_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    REGION_NAME_FIELD_NUMBER: _ClassVar[int]
    METADATA_JSON_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    camera_id: int
    camera_name: str
    message: str
    image_path: str
    detection_type: str
    confidence: float
    region_name: str
    metadata_json: str
    event_id: str
    def __init__(self, camera_id: _Optional[int] = ..., camera_name: _Optional[str] = ..., message: _Optional[str] = ..., image_path: _Optional[str] = ..., detection_type: _Optional[str] = ..., confidence: _Optional[float] = ..., region_name: _Optional[str] = ..., metadata_json: _Optional[str] = ..., event_id: _Optional[str] = ...) -> None: ...

class CreateNotificationResponse(_message.Message):
    __slots__ = ("notification",)
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    notification: Notification
    def __init__(self, notification: _Optional[_Union[Notification, _Mapping]] = ...) -> None: ...

class ListNotificationsRequest(_message.Message):
    __slots__ = ("page", "limit", "status")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    page: int
    limit: int
    status: NotificationStatus
    def __init__(self, page: _Optional[int] = ..., limit: _Optional[int] = ..., status: _Optional[_Union[NotificationStatus, str]] = ...) -> None: ...

class ListNotificationsResponse(_message.Message):
    __slots__ = ("notifications", "current_page", "total_pages", "total_items", "items_per_page")
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PAGE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_PAGES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ITEMS_FIELD_NUMBER: _ClassVar[int]
    ITEMS_PER_PAGE_FIELD_NUMBER: _ClassVar[int]
    notifications: _containers.RepeatedCompositeFieldContainer[Notification]
    current_page: int
    total_pages: int
    total_items: int
    items_per_page: int
    def __init__(self, notifications: _Optional[_Iterable[_Union[Notification, _Mapping]]] = ..., current_page: _Optional[int] = ..., total_pages: _Optional[int] = ..., total_items: _Optional[int] = ..., items_per_page: _Optional[int] = ...) -> None: ...

class UpdateNotificationRequest(_message.Message):
    __slots__ = ("notification_id", "status")
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    notification_id: int
    status: NotificationStatus
    def __init__(self, notification_id: _Optional[int] = ..., status: _Optional[_Union[NotificationStatus, str]] = ...) -> None: ...

class UpdateNotificationResponse(_message.Message):
    __slots__ = ("notification",)
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    notification: Notification
    def __init__(self, notification: _Optional[_Union[Notification, _Mapping]] = ...) -> None: ...

class MarkAllNotificationsReadRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class MarkAllNotificationsReadResponse(_message.Message):
    __slots__ = ("updated",)
    UPDATED_FIELD_NUMBER: _ClassVar[int]
    updated: int
    def __init__(self, updated: _Optional[int] = ...) -> None: ...

class EmailRecipient(_message.Message):
    __slots__ = ("id", "account_uuid", "email", "name", "active", "verified", "created_at", "last_notification", "notification_types")
    ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_UUID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_TYPES_FIELD_NUMBER: _ClassVar[int]
    id: int
    account_uuid: str
    email: str
    name: str
    active: bool
    verified: bool
    created_at: _timestamp_pb2.Timestamp
    last_notification: _timestamp_pb2.Timestamp
    notification_types: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[int] = ..., account_uuid: _Optional[str] = ..., email: _Optional[str] = ..., name: _Optional[str] = ..., active: _Optional[bool] = ..., verified: _Optional[bool] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_notification: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., notification_types: _Optional[_Iterable[str]] = ...) -> None: ...

class AddEmailRecipientRequest(_message.Message):
    __slots__ = ("email", "name", "notification_types", "active")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_TYPES_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    email: str
    name: str
    notification_types: _containers.RepeatedScalarFieldContainer[str]
    active: bool
    def __init__(self, email: _Optional[str] = ..., name: _Optional[str] = ..., notification_types: _Optional[_Iterable[str]] = ..., active: _Optional[bool] = ...) -> None: ...

class AddEmailRecipientResponse(_message.Message):
    __slots__ = ("recipient", "verification_sent")
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_SENT_FIELD_NUMBER: _ClassVar[int]
    recipient: EmailRecipient
    verification_sent: bool
    def __init__(self, recipient: _Optional[_Union[EmailRecipient, _Mapping]] = ..., verification_sent: _Optional[bool] = ...) -> None: ...

class ListEmailRecipientsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListEmailRecipientsResponse(_message.Message):
    __slots__ = ("recipients",)
    RECIPIENTS_FIELD_NUMBER: _ClassVar[int]
    recipients: _containers.RepeatedCompositeFieldContainer[EmailRecipient]
    def __init__(self, recipients: _Optional[_Iterable[_Union[EmailRecipient, _Mapping]]] = ...) -> None: ...

class UpdateEmailRecipientRequest(_message.Message):
    __slots__ = ("recipient_id", "name", "active", "notification_types", "set_notification_types")
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_TYPES_FIELD_NUMBER: _ClassVar[int]
    SET_NOTIFICATION_TYPES_FIELD_NUMBER: _ClassVar[int]
    recipient_id: int
    name: str
    active: bool
    notification_types: _containers.RepeatedScalarFieldContainer[str]
    set_notification_types: bool
    def __init__(self, recipient_id: _Optional[int] = ..., name: _Optional[str] = ..., active: _Optional[bool] = ..., notification_types: _Optional[_Iterable[str]] = ..., set_notification_types: _Optional[bool] = ...) -> None: ...

class UpdateEmailRecipientResponse(_message.Message):
    __slots__ = ("recipient",)
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    recipient: EmailRecipient
    def __init__(self, recipient: _Optional[_Union[EmailRecipient, _Mapping]] = ...) -> None: ...

class DeleteEmailRecipientRequest(_message.Message):
    __slots__ = ("recipient_id",)
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    recipient_id: int
    def __init__(self, recipient_id: _Optional[int] = ...) -> None: ...

class DeleteEmailRecipientResponse(_message.Message):
    __slots__ = ("recipient_id",)
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    recipient_id: int
    def __init__(self, recipient_id: _Optional[int] = ...) -> None: ...

class VerifyEmailRecipientRequest(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class VerifyEmailRecipientResponse(_message.Message):
    __slots__ = ("email",)
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    email: str
    def __init__(self, email: _Optional[str] = ...) -> None: ...

class LineToken(_message.Message):
    __slots__ = ("id", "account_uuid", "token_masked", "name", "active", "verified", "created_at", "last_used", "target", "notification_types")
    ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_UUID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_MASKED_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_USED_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_TYPES_FIELD_NUMBER: _ClassVar[int]
    id: int
    account_uuid: str
    token_masked: str
    name: str
    active: bool
    verified: bool
    created_at: _timestamp_pb2.Timestamp
    last_used: _timestamp_pb2.Timestamp
    target: str
    notification_types: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[int] = ..., account_uuid: _Optional[str] = ..., token_masked: _Optional[str] = ..., name: _Optional[str] = ..., active: _Optional[bool] = ..., verified: _Optional[bool] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_used: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., target: _Optional[str] = ..., notification_types: _Optional[_Iterable[str]] = ...) -> None: ...

class AddLineTokenRequest(_message.Message):
    __slots__ = ("token", "name", "notification_types", "active", "target")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_TYPES_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    token: str
    name: str
    notification_types: _containers.RepeatedScalarFieldContainer[str]
    active: bool
    target: str
    def __init__(self, token: _Optional[str] = ..., name: _Optional[str] = ..., notification_types: _Optional[_Iterable[str]] = ..., active: _Optional[bool] = ..., target: _Optional[str] = ...) -> None: ...

class AddLineTokenResponse(_message.Message):
    __slots__ = ("line_token",)
    LINE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    line_token: LineToken
    def __init__(self, line_token: _Optional[_Union[LineToken, _Mapping]] = ...) -> None: ...

class ListLineTokensRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListLineTokensResponse(_message.Message):
    __slots__ = ("line_tokens",)
    LINE_TOKENS_FIELD_NUMBER: _ClassVar[int]
    line_tokens: _containers.RepeatedCompositeFieldContainer[LineToken]
    def __init__(self, line_tokens: _Optional[_Iterable[_Union[LineToken, _Mapping]]] = ...) -> None: ...

class DeleteLineTokenRequest(_message.Message):
    __slots__ = ("line_token_id",)
    LINE_TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    line_token_id: int
    def __init__(self, line_token_id: _Optional[int] = ...) -> None: ...

class DeleteLineTokenResponse(_message.Message):
    __slots__ = ("line_token_id",)
    LINE_TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    line_token_id: int
    def __init__(self, line_token_id: _Optional[int] = ...) -> None: ...

class ResendEmailVerificationRequest(_message.Message):
    __slots__ = ("recipient_id",)
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    recipient_id: int
    def __init__(self, recipient_id: _Optional[int] = ...) -> None: ...

class ResendEmailVerificationResponse(_message.Message):
    __slots__ = ("recipient", "verification_sent")
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_SENT_FIELD_NUMBER: _ClassVar[int]
    recipient: EmailRecipient
    verification_sent: bool
    def __init__(self, recipient: _Optional[_Union[EmailRecipient, _Mapping]] = ..., verification_sent: _Optional[bool] = ...) -> None: ...

class TestLineTokenRequest(_message.Message):
    __slots__ = ("line_token_id",)
    LINE_TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    line_token_id: int
    def __init__(self, line_token_id: _Optional[int] = ...) -> None: ...

class TestLineTokenResponse(_message.Message):
    __slots__ = ("line_token",)
    LINE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    line_token: LineToken
    def __init__(self, line_token: _Optional[_Union[LineToken, _Mapping]] = ...) -> None: ...
