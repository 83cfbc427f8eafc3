"""Who did something to a case: a person, the system, or a model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from refund_desk.cases.choices import ActorType


@dataclass(frozen=True, slots=True)
class Actor:
    type: ActorType
    label: str
    user: Any = None

    @classmethod
    def for_user(cls, user: Any) -> Actor:
        return cls(type=ActorType.USER, label=user.get_username(), user=user)

    @classmethod
    def system(cls, component: str) -> Actor:
        return cls(type=ActorType.SYSTEM, label=component)

    @classmethod
    def model(cls, name_and_version: str) -> Actor:
        return cls(type=ActorType.MODEL, label=name_and_version)
