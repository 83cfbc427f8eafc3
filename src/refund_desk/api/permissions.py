"""Who may use the API: every operation declares the permission it needs (`required_permissions` on its
view: `read` for GET, `write` for the others), from the one table in `core.permissions`."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from refund_desk.core.permissions import READS, has_perm, permission_for, user_permissions


class HasPermission(BasePermission):
    """Signed in and holding the operation's permission; a view that declares none refuses everyone."""

    message = "Your role does not allow this."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        required = getattr(view, "required_permissions", None)
        if not required:
            return False
        perm = permission_for(required, request.method or "GET")
        if not has_perm(request.user, perm):
            held = user_permissions(request.user)
            role = "Your role is read-only" if held and held <= READS else "Your role does not allow this"
            self.message = f"{role}: this needs the permission {perm.value!r}."
            return False
        return True
