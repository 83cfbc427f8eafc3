"""Sign-in throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one login from one
address, that login is refused from there for LOGIN_COOLOFF_MINUTES, on the sign-in form and on the API's
token endpoint alike, even with the right password. A successful sign-in clears the count."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.http import HttpRequest


class ThrottledSignIn(AxesStandaloneBackend):
    """Axes' check in front of the password backend. A sign-in without an HTTP request (the command
    line, a test client's `login`) is not throttled: throttling is about guesses over the network."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


def sign_in_allowed(request: HttpRequest, username: str) -> bool:
    """Whether `username` may try to sign in from this request's address now."""
    return bool(AxesProxyHandler.is_allowed(request, {"username": username}))


def cool_off_seconds() -> int:
    cool_off = get_cool_off()
    return int(cool_off.total_seconds()) if cool_off else 0
