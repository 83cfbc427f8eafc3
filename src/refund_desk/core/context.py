"""Template context of every page: what the signed-in person may do (`{% if can.refund_approve %}`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from refund_desk.core.permissions import Perm, user_permissions


def permissions(request: HttpRequest) -> dict[str, Any]:
    held = user_permissions(getattr(request, "user", None))
    return {"can": {perm.name.lower(): perm in held for perm in Perm}}
