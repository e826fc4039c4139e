"""Password hashing with argon2-cffi (Argon2id, the library's maintained defaults).

``hash_password`` is the ``hasher`` the shells hand to workflows/people.py."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from workflows.errors import Invalid

_HASHER = PasswordHasher()
MIN_LENGTH = 8


class WeakPassword(Invalid):
    """A password too short to be set (a ValueError, as every ``Invalid`` is)."""

    code = "weak_password"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="password")


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters")
    return _HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when ``password`` matches; a malformed or empty hash never matches."""
    if not stored_hash:
        return False
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# verified against when the user does not exist, so a wrong name costs as long as a wrong
# password (no user enumeration by timing)
DUMMY_HASH = _HASHER.hash("not-a-real-password")
