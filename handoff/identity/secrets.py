"""Random secrets and their digests, for API tokens, session ids and CSRF tokens.

Each secret is 32 bytes from the OS's CSPRNG; only its SHA-256 is stored, and digests are compared
in constant time. A slow hash would add nothing: nobody can guess 256 random bits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

TOKEN_PREFIX = "hnd_"


def new_secret(prefix: str = "") -> str:
    """A URL-safe random secret (43 characters after the prefix)."""
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time equality of two strings (secrets or digests)."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def new_id() -> str:
    """A record id: random, so ids in URLs reveal neither counts nor order."""
    return uuid.uuid4().hex
