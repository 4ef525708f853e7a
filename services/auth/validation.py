"""Registration input checks; each failure is a VALIDATION_ERROR whose message names the field."""

from __future__ import annotations

import re

from visionflow.errors import ErrorCode, VisionFlowError

USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_.-]{3,32}")
PASSWORD_MIN = 8
PASSWORD_MAX = 1024
EMAIL_MAX = 254
_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}")
_DOMAIN_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_TOP_LEVEL = re.compile(r"(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})")


def _invalid(field: str, reason: str) -> VisionFlowError:
    return VisionFlowError(ErrorCode.VALIDATION_ERROR, f"{field}: {reason}")


def check_username(username: str) -> str:
    if not USERNAME_PATTERN.fullmatch(username):
        raise _invalid("username", "must be 3-32 characters of letters, digits, '_', '.' or '-'")
    return username


def check_email(email: str) -> str:
    """A pragmatic address check: one `@`, a plain local part, a dotted domain (IDN allowed)."""
    email = email.strip()
    local, at, domain = email.rpartition("@")
    if len(email) > EMAIL_MAX or not at or not _valid_local(local) or not _valid_domain(domain):
        raise _invalid("email", "must be a valid email address")
    return email


def _valid_local(local: str) -> bool:
    return bool(_LOCAL_PART.fullmatch(local)) and not (
        local.startswith(".") or local.endswith(".") or ".." in local
    )


def _valid_domain(domain: str) -> bool:
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_domain.split(".")
    return (
        len(labels) >= 2
        and all(_DOMAIN_LABEL.fullmatch(label) for label in labels)
        and bool(_TOP_LEVEL.fullmatch(labels[-1]))
    )


def check_password(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise _invalid("password", f"must be at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise _invalid("password", f"must be at most {PASSWORD_MAX} characters")
    return password
