"""Encryption at rest for secrets: Allegro OAuth tokens, webhook signing secrets (Fernet: AES-128-CBC +
HMAC-SHA256).

The key is FIELD_ENCRYPTION_KEY (a Fernet key, or any secret string) from the environment or
settings, else derived from SECRET_KEY — rotating SECRET_KEY then means reconnecting accounts.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

KEY_LABEL = b"refund-desk/allegro-credentials/v1"


def _fernet_key(secret: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(secret.encode())
        if len(raw) == 32:
            return secret.encode()  # already a Fernet key
    except ValueError:
        pass
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), KEY_LABEL, 100_000)
    return base64.urlsafe_b64encode(digest)


@lru_cache(maxsize=4)
def _fernet_for(secret: str) -> Fernet:
    return Fernet(_fernet_key(secret))


def fernet() -> Fernet:
    secret = (
        os.environ.get("FIELD_ENCRYPTION_KEY")
        or getattr(settings, "FIELD_ENCRYPTION_KEY", "")
        or settings.SECRET_KEY
    )
    return _fernet_for(secret)


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode() if value else ""


class DecryptionFailed(Exception):
    """The stored token was encrypted under another key."""


def decrypt(value: str) -> str:
    if not value:
        return ""
    try:
        return fernet().decrypt(value.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionFailed("stored Allegro token cannot be decrypted with the current key") from exc
