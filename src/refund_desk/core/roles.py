"""Staff roles, stored as Django groups."""

from __future__ import annotations

from typing import Any

from django.db.models import TextChoices


class Role(TextChoices):
    AGENT = "agent", "Agent"
    SUPERVISOR = "supervisor", "Supervisor"
    AUDITOR = "auditor", "Auditor"
    ADMIN = "admin", "Admin"


# A role includes the powers of the roles it lists.
ROLE_INCLUDES: dict[Role, frozenset[Role]] = {
    Role.AGENT: frozenset({Role.AGENT}),
    Role.SUPERVISOR: frozenset({Role.SUPERVISOR, Role.AGENT}),
    Role.AUDITOR: frozenset({Role.AUDITOR}),
    Role.ADMIN: frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.AUDITOR}),
}


def user_roles(user: Any) -> frozenset[Role]:
    """Every role a user effectively holds (superusers hold all)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    if user.is_superuser:
        return ROLE_INCLUDES[Role.ADMIN]
    cached = getattr(user, "_refund_desk_roles", None)
    if cached is not None:
        return frozenset(cached)
    roles: set[Role] = set()
    for name in user.groups.values_list("name", flat=True):
        if name in Role.values:
            roles |= ROLE_INCLUDES[Role(name)]
    user._refund_desk_roles = frozenset(roles)
    return frozenset(roles)


def has_role(user: Any, role: Role) -> bool:
    return role in user_roles(user)
