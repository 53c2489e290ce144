"""Passwords: argon2 through pwdlib, a minimum length, and nothing home-made.

Verification of an unknown account still spends one argon2 verification (against a dummy hash),
so the time a sign-in takes does not tell whether the account exists.
"""

from __future__ import annotations

from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.exceptions import PwdlibError

from handoff.errors import InvalidInput

MAX_PASSWORD_LENGTH = 1024  # argon2 has no limit; this keeps a request from buying CPU time


@lru_cache(maxsize=1)
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash("handoff: no such account")


def check_password_rules(password: str, *, min_length: int) -> str:
    """`password` when it may be used; InvalidInput saying what to change otherwise."""
    if len(password) < min_length:
        raise InvalidInput(f"The password is too short: use at least {min_length} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"The password is too long: use at most {MAX_PASSWORD_LENGTH}.")
    if not password.strip():
        raise InvalidInput("The password cannot be only spaces.")
    return password


def hash_password(password: str, *, min_length: int) -> str:
    """The argon2 hash of a password that passes the rules."""
    return _hasher().hash(check_password_rules(password, min_length=min_length))


def verify_password(password: str, password_hash: str | None) -> bool:
    """Whether `password` matches; an account with no hash (single sign-on only) never matches,
    and still costs one verification."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        if password_hash is None:
            _hasher().verify(password, _dummy_hash())
            return False
        return _hasher().verify(password, password_hash)
    except PwdlibError:
        return False
