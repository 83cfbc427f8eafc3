"""Project-wide pytest fixtures."""

from __future__ import annotations

import os

os.environ.setdefault("REFUND_DESK_DATA_DIR", os.path.join(os.path.dirname(__file__), "var", "test"))
os.environ.setdefault("HUEY_IMMEDIATE", "true")


def pytest_configure(config: object) -> None:
    from django.conf import settings

    # Hashing at full strength costs ~0.3 s per login/user in tests and proves nothing there.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The test client and the browser tests speak plain HTTP (as HTTPS=false would set).
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_HSTS_SECONDS = 0
    # Tasks the tests queue stay in this process: never in the data directory's queue, where a running
    # `make demo` worker would pick them up.
    from huey.contrib.djhuey import HUEY
    from huey.storage import MemoryStorage

    HUEY.storage = MemoryStorage(HUEY.name)
    # Tests run the outbox faster than real time; the pacing of Message Center posts has its own test.
    settings.OUTBOUND_MESSAGE_INTERVAL = 0.0
