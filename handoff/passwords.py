"""Agents' console passwords: salted scrypt hashes, checked in constant time.

A stored hash reads `scrypt$n$r$p$salt$hash` (salt and hash in URL-safe base64), so
the cost can be raised later without invalidating the passwords already stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SCHEME = "scrypt"
COST, BLOCK_SIZE, PARALLELISM = 2**14, 8, 1  # about 16 MiB and 50 ms per check
SALT_BYTES, HASH_BYTES = 16, 32
MIN_LENGTH, MAX_LENGTH = 8, 1024


def check_strength(password: str) -> str | None:
    """Why a new password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"the password must be at least {MIN_LENGTH} characters long"
    if len(password) > MAX_LENGTH:
        return f"the password must be at most {MAX_LENGTH} characters long"
    if not password.strip():
        return "the password cannot be only spaces"
    return None


def hash_password(password: str) -> str:
    """The stored form of a password, with a fresh random salt."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, COST, BLOCK_SIZE, PARALLELISM)
    return "$".join(
        (SCHEME, str(COST), str(BLOCK_SIZE), str(PARALLELISM), _b64(salt), _b64(digest))
    )


def verify_password(password: str, stored: str | None) -> bool:
    """Whether `password` matches the stored hash; False for a malformed or missing hash.

    Without a stored hash a dummy one is still computed, so that an unknown login
    takes as long to refuse as a wrong password.
    """
    if stored is None:
        hash_password(password)
        return False
    try:
        scheme, cost, block_size, parallelism, salt, expected = stored.split("$")
        if scheme != SCHEME:
            return False
        digest = _scrypt(password, _unb64(salt), int(cost), int(block_size), int(parallelism))
        return hmac.compare_digest(digest, _unb64(expected))
    except (ValueError, TypeError):
        return False


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024,
        dklen=HASH_BYTES,
    )  # fmt: skip


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_secret(secret: str) -> str:
    """The stored form of an API token or session secret (long and random: SHA-256)."""
    return hashlib.sha256(secret.encode()).hexdigest()
