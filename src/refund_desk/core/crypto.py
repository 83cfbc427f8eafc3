"""Encryption at rest for secrets: Allegro OAuth tokens, webhook signing secrets (Fernet: AES-128-CBC +
HMAC-SHA256), with key rotation (MultiFernet: the first key encrypts, every key decrypts).

Where the keys come from, first match wins:
- `FIELD_ENCRYPTION_KEY_FILE`: a file outside the data directory (e.g. /etc/refund-desk/field-keys), one
  key per line, newest first;
- `FIELD_ENCRYPTION_KEYS`: the same, comma-separated, in the environment;
- `FIELD_ENCRYPTION_KEY`: a single key;
- else a key derived from SECRET_KEY (the embedded default).
The key derived from SECRET_KEY always stays as the last key for decrypting, so values written before
keys were configured stay readable. To rotate: put a new key first (`refund-desk secrets new-key` prints
one), restart, run `refund-desk secrets rotate` (re-encrypts every `*_encrypted` column with the new key),
then drop the old key. A key may be a Fernet key or any long secret string.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
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


def configured_keys() -> list[str]:
    """The keys, newest first (see the module)."""
    path = os.environ.get("FIELD_ENCRYPTION_KEY_FILE") or getattr(settings, "FIELD_ENCRYPTION_KEY_FILE", "")
    if path:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        keys = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    else:
        many = os.environ.get("FIELD_ENCRYPTION_KEYS") or getattr(settings, "FIELD_ENCRYPTION_KEYS", "")
        one = os.environ.get("FIELD_ENCRYPTION_KEY") or getattr(settings, "FIELD_ENCRYPTION_KEY", "")
        keys = [k.strip() for k in many.split(",") if k.strip()] if many else ([one] if one else [])
    derived = settings.SECRET_KEY
    return [*keys, derived] if derived not in keys else keys


@lru_cache(maxsize=8)
def _multi(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(key)) for key in keys])


def fernet() -> MultiFernet:
    return _multi(tuple(configured_keys()))


def new_key() -> str:
    return Fernet.generate_key().decode()


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode() if value else ""


class DecryptionFailed(Exception):
    """The stored value was encrypted under a key this installation no longer has."""


def decrypt(value: str) -> str:
    if not value:
        return ""
    try:
        return fernet().decrypt(value.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionFailed("a stored secret cannot be decrypted with any configured key") from exc


def reencrypt(value: str) -> str:
    """`value` encrypted with the newest key (raises DecryptionFailed when no key decrypts it)."""
    if not value:
        return ""
    try:
        return fernet().rotate(value.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionFailed("a stored secret cannot be decrypted with any configured key") from exc
