"""Random secrets for API tokens, session ids and CSRF tokens; only their SHA-256 is
stored. A 256-bit random token needs no slow hash (it cannot be guessed from a digest),
and a fast one keeps a bearer check to one indexed lookup per request."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "arf_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return secrets.compare_digest(a.encode(), b.encode())
