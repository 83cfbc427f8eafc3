"""Who may use the API: staff with a role may read; writes need the agent role (auditors only read)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from refund_desk.core.roles import Role, has_role, user_roles


class IsStaffWithRole(BasePermission):
    """Signed in and holding one of the desk's roles (agent, supervisor, auditor, admin)."""

    message = "This API is for Refund Desk staff; your account holds no desk role."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and user_roles(request.user))


class ReadOnlyUnlessAgent(BasePermission):
    """Reads for every role; writes only for roles that include agent (auditors are read-only)."""

    message = "Your role is read-only; changing cases needs the agent role or above."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return has_role(request.user, Role.AGENT)
