"""Loads a realistic demo installation: staff in every role, two seller accounts, cases in every state."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.db import transaction
from django.utils import timezone

from refund_desk.ai.synthetic.casefiles import generate_case_files
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import CaseKind, CaseSource, CaseStatus
from refund_desk.cases.models import AccountMembership, Order, RefundCase
from refund_desk.cases.services import case_open_manual, case_transition
from refund_desk.core.roles import Role
from refund_desk.integrations.allegro.intake import account_get_or_create, cases_import

DEMO_PASSWORD = "refund-desk-demo"  # noqa: S105 - a local demo login, printed by `make demo`
DEMO_USERS = {
    "demo": Role.ADMIN,
    "agent": Role.AGENT,
    "supervisor": Role.SUPERVISOR,
    "auditor": Role.AUDITOR,
}
ACCOUNTS = ("sklep-demo", "outlet-demo")

# Paths through the lifecycle that demo cases are walked along (by a person, the system or a model).
JOURNEYS: list[list[CaseStatus]] = [
    [],
    [CaseStatus.UNDER_REVIEW],
    [CaseStatus.UNDER_REVIEW, CaseStatus.AWAITING_RETURN],
    [CaseStatus.UNDER_REVIEW, CaseStatus.AWAITING_RETURN, CaseStatus.RETURN_RECEIVED],
    [CaseStatus.UNDER_REVIEW, CaseStatus.APPROVED],
    [CaseStatus.UNDER_REVIEW, CaseStatus.APPROVED, CaseStatus.REFUND_PENDING],
    [CaseStatus.UNDER_REVIEW, CaseStatus.APPROVED, CaseStatus.REFUND_PENDING, CaseStatus.REFUNDED],
    [CaseStatus.UNDER_REVIEW, CaseStatus.APPROVED, CaseStatus.REFUNDED, CaseStatus.CLOSED],
    [CaseStatus.UNDER_REVIEW, CaseStatus.REJECTED],
    [CaseStatus.UNDER_REVIEW, CaseStatus.ESCALATED],
    [CaseStatus.UNDER_REVIEW, CaseStatus.REJECTED, CaseStatus.APPEALED],
]
JOURNEY_WEIGHTS = [30, 12, 14, 8, 6, 5, 6, 8, 4, 5, 2]


@dataclass(frozen=True, slots=True)
class DemoResult:
    created_cases: int
    already_loaded: bool


def demo_users_ensure() -> dict[str, AbstractUser]:
    """Create (or reset) one demo login per role, all with the demo password."""
    users: dict[str, AbstractUser] = {}
    User = get_user_model()
    for username, role in DEMO_USERS.items():
        user, _ = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.com"})
        assert isinstance(user, AbstractUser)
        user.set_password(DEMO_PASSWORD)
        user.is_staff = role == Role.ADMIN
        user.is_superuser = False
        user.save()
        group, _ = Group.objects.get_or_create(name=role.value)
        user.groups.set([group])
        AccountMembership.objects.get_or_create(
            user=user, account=None
        )  # the demo team works for every account
        users[username] = user
    return users


def _walk(case: RefundCase, journey: list[CaseStatus], users: dict[str, AbstractUser]) -> None:
    for step in journey:
        actor = (
            Actor.for_user(users["supervisor"])
            if step in (CaseStatus.REJECTED, CaseStatus.CLOSED)
            else Actor.for_user(users["agent"])
            if step in (CaseStatus.UNDER_REVIEW, CaseStatus.AWAITING_RETURN, CaseStatus.ESCALATED)
            else Actor.system("refunds")
        )
        if step == CaseStatus.APPEALED:
            actor = Actor.system("appeals")
        reason = {
            CaseStatus.REJECTED: "Seal broken on hygiene product: no statutory withdrawal right.",
            CaseStatus.ESCALATED: "Buyer describes damage but chose 'don't like it'; needs a person.",
            CaseStatus.APPEALED: "Buyer contested the rejection through the help center.",
        }.get(step, "")
        case = case_transition(case=case, to=step, actor=actor, reason=reason)


@transaction.atomic
def demo_load(*, cases: int = 400, seed: int = 7) -> DemoResult:
    """Load demo data unless it is already there."""
    users = demo_users_ensure()
    if RefundCase.objects.filter(account__name__in=ACCOUNTS).exists():
        return DemoResult(created_cases=0, already_loaded=True)
    rng = random.Random(seed)
    files = list(generate_case_files(cases, seed=seed))
    created = 0
    for index, account_name in enumerate(ACCOUNTS):
        account = account_get_or_create(name=account_name)
        share = files[index::2]
        summary = cases_import(items=share, account=account)
        created += summary.count("created")
    for case in RefundCase.objects.filter(status=CaseStatus.NEW).order_by("id"):
        journey = rng.choices(JOURNEYS, weights=JOURNEY_WEIGHTS)[0]
        _walk(case, journey, users)
    created += _manual_cases(rng, users)
    return DemoResult(created_cases=created, already_loaded=False)


def _manual_cases(rng: random.Random, users: dict[str, AbstractUser]) -> int:
    """Complaints, cancellations and other requests on some of the demo orders."""
    orders = list(Order.objects.prefetch_related("line_items").order_by("id")[:90])
    kinds = [
        (
            CaseKind.COMPLAINT,
            "HIDDEN_FLAW",
            "Po dwóch tygodniach przestało działać, proszę o zwrot pieniędzy.",
        ),
        (CaseKind.COMPLAINT, "DAMAGED", "Obudowa pękła przy normalnym użytkowaniu."),
        (CaseKind.CANCELLATION, "MISTAKE", "Anuluję zamówienie, kupiłem przez pomyłkę."),
        (CaseKind.OTHER, "NONE", "Pytanie o zwrot kosztów dostawy za drugą paczkę."),
    ]
    count = 0
    for order in orders[::3]:
        kind, reason, comment = rng.choice(kinds)
        line = order.line_items.all()[0]
        case = case_open_manual(
            order=order,
            kind=kind,
            items=[(line, 1, reason, comment)],
            actor=Actor.for_user(users["agent"]),
            external_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            opened_at=timezone.now() - timedelta(hours=rng.randint(1, 300)),
            source=CaseSource.MANUAL,  # taken by phone or e-mail: decided in the desk, not on Allegro
        )
        if rng.random() < 0.4:
            _walk(case, [CaseStatus.UNDER_REVIEW], users)
        count += 1
    return count
