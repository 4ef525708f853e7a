"""Pure rules of the auth service: input validation and Argon2id password handling."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type

from services.auth.passwords import Passwords
from services.auth.validation import check_email, check_password, check_username
from visionflow.errors import ErrorCode, VisionFlowError


@pytest.mark.parametrize("username", ["abc", "A.b-c_9", "x" * 32])
def test_valid_usernames_pass(username: str) -> None:
    assert check_username(username) == username


@pytest.mark.parametrize("username", ["", "ab", "x" * 33, "with space", "semi;colon", "ünï", "abc\n"])
def test_invalid_usernames_name_the_field(username: str) -> None:
    with pytest.raises(VisionFlowError) as error:
        check_username(username)
    assert error.value.code is ErrorCode.VALIDATION_ERROR
    assert error.value.message.startswith("username:")


@pytest.mark.parametrize("email", ["a@b.co", "first.last+tag@mail.example.org", "x@bücher.de"])
def test_valid_emails_pass(email: str) -> None:
    assert check_email(f" {email} ") == email


@pytest.mark.parametrize(
    "email",
    ["", "plain", "a@b", "@b.co", "a@.co", "a..b@c.de", ".a@c.de", "a b@c.de", "a@b.c", "a@-b.com",
     "a@b@c.de", f"{'x' * 65}@example.com", f"a@{'x' * 250}.com"],
)  # fmt: skip
def test_invalid_emails_name_the_field(email: str) -> None:
    with pytest.raises(VisionFlowError) as error:
        check_email(email)
    assert error.value.message.startswith("email:")


def test_password_length_bounds() -> None:
    assert check_password("8 chars!") == "8 chars!"
    assert check_password("p" * 1024) == "p" * 1024
    for bad in ("", "7 chars", "p" * 1025):
        with pytest.raises(VisionFlowError) as error:
            check_password(bad)
        assert error.value.message.startswith("password:")


def test_hashes_are_argon2id_and_verify_only_the_right_password() -> None:
    passwords = Passwords()
    stored = passwords.hash("s3cret-password")
    assert stored.startswith("$argon2id$")
    assert "s3cret" not in stored
    assert passwords.verify(stored, "s3cret-password").ok
    assert not passwords.verify(stored, "wrong-password").ok
    assert not passwords.verify("not-a-hash", "s3cret-password").ok


def test_unknown_user_never_verifies_even_with_the_dummy_password() -> None:
    passwords = Passwords()
    assert not passwords.verify(None, "anything-at-all").ok


def test_old_parameters_ask_for_a_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1, type=Type.ID)
    stored = weak.hash("s3cret-password")
    result = Passwords().verify(stored, "s3cret-password")
    assert result.ok and result.needs_rehash
    current = Passwords()
    assert not current.verify(current.hash("s3cret-password"), "s3cret-password").needs_rehash
