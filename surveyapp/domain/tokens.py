"""Unguessable tokens and generated passwords."""

from __future__ import annotations

import hashlib
import secrets
import string

TOKEN_BYTES = 24  # 192 bits, well above the 128-bit floor for anything that grants access
_PASSWORD_ALPHABET = string.ascii_letters + string.digits


def generate_token(nbytes: int = TOKEN_BYTES) -> str:
    """Return a URL-safe random token carrying ``nbytes`` bytes of entropy."""
    return secrets.token_urlsafe(nbytes)


def hash_token(token: str) -> str:
    """Return the hex SHA-256 of ``token``; tokens that grant access are stored only hashed."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def generate_password(length: int = 20) -> str:
    """Return a random password of letters and digits (about 119 bits for 20 characters)."""
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))
