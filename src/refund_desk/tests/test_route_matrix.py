"""Every route × every role × every method, generated from the URL configuration and the API schema.

For each route the test knows the permission it declares (a route that declares none fails the walk) and
tries it as a signed-out visitor, a signed-in person without a role, an agent, a supervisor, an auditor,
an admin and an "outsider" (a supervisor of another seller account), with GET and with a POST that would
be valid for a person allowed to send it. It asserts:

- signed out → the login page (HTML) or 401 with problem details (API);
- the permission missing → 403 (the styled refusal page, or problem details);
- an object of an account the person does not work for → 404;
- allowed → neither a refusal nor a server error;
- refused → not one row of any table changed (a fingerprint of every table before and after);
- for the writes listed in MUST_WRITE, the allowed person's request did change data, so the payloads are
  real and the fingerprint sees writes.

Each request runs in a transaction that is rolled back, so every request meets the same world.
Set REFUND_DESK_MATRIX_REPORT=path to have the figures written there (the closing note quotes them).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from drf_spectacular.generators import SchemaGenerator

from refund_desk.core.permissions import Perm, permission_for, user_permissions
from refund_desk.payments.tests.conftest import IMMEDIATE
from refund_desk.policy.tests.builders import case as case_file
from refund_desk.tests.world import PEOPLE, World, unique_case_file

ANONYMOUS = "anonymous"
ROLES = [ANONYMOUS, *PEOPLE]
PUBLIC_ROUTES = {
    "partner_inbound",
    "auth-token",
    "schema",
    "docs",
    "redoc",
    "not-found",
    "login",
    "logout",
    "set_language",
}
# URL arguments that point at something of one seller account: a person of another account gets 404.
ACCOUNT_BOUND = {
    "case_id",
    "refund_id",
    "alert_id",
    "batch_id",
    "account_id",
    "parcel_id",
    "change_id",
    "user_id",
}
ACCOUNT_BOUND |= {"delivery_id", "subscription_id"}


@dataclass(frozen=True)
class Route:
    name: str  # namespaced URL name
    pattern: str
    arguments: tuple[str, ...]
    required: dict[str, Perm] | None
    public: bool
    api: bool


def _declared(callback: Any) -> tuple[dict[str, Perm] | None, bool]:
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    holders = [callback, view_class] if view_class else [callback]
    required = next(
        (getattr(h, "required_permissions", None) for h in holders if hasattr(h, "required_permissions")),
        None,
    )
    public = any(getattr(h, "public", False) for h in holders)
    return required, public


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            required, public = _declared(entry.callback)
            pattern = prefix + str(entry.pattern)
            yield Route(
                name=namespace + (entry.name or pattern),
                pattern=pattern,
                arguments=tuple(entry.pattern.regex.groupindex),
                required=required,
                public=public,
                api=pattern.startswith("api/"),
            )


ROUTES = list(_walk(get_resolver().url_patterns))
GUARDED = [route for route in ROUTES if not route.public]


P = Perm
# What each route needs, written out once more: a change of a route's permission is a deliberate change of
# this table too (one permission: read and write; a pair: (GET, the other methods)).
EXPECTED: dict[str, Perm | tuple[Perm, Perm]] = {
    "desk:queue": P.CASE_READ,
    "desk:case": P.CASE_READ,
    "desk:case_transition": P.CASE_WORK,
    "desk:case_note": P.CASE_WORK,
    "desk:case_reread": P.CASE_WORK,
    "desk:case_reject": P.CASE_WORK,
    "desk:case_refund": P.REFUND_REQUEST,
    "notices:index": P.POLICY_READ,
    "notices:edit": (P.POLICY_READ, P.NOTICES_EDIT),
    "api:v1:case-refunds": (P.CASE_READ, P.REFUND_REQUEST),
    "api:v1:case-acceptance": (P.CASE_READ, P.CASE_DECIDE),
    "desk:case_accept": P.CASE_DECIDE,
    "policy:case_facts": P.CASE_WORK,
    "desk:remedy_received": P.CASE_WORK,
    "desk:remedy_sent": P.CASE_WORK,
    "desk:case_attention_close": P.CASE_WORK,
    "desk:inspect": (P.CASE_READ, P.INSPECTION_RECORD),
    "desk:team": P.TEAM_MANAGE,
    "desk:team_new": P.TEAM_MANAGE,
    "desk:team_member": P.TEAM_MANAGE,
    "desk:team_token": P.TEAM_MANAGE,
    "desk:changes": (P.AUDIT_READ, P.CHANGES_CONFIRM),
    "desk:change_confirm": P.CHANGES_CONFIRM,
    "desk:change_decline": P.CHANGES_CONFIRM,
    "api:v1:case-list": (P.CASE_READ, P.CASE_WORK),
    "api:v1:case-import": (P.CASE_READ, P.CASE_WORK),
    "api:v1:case-detail": (P.CASE_READ, P.CASE_WORK),
    "api:v1:case-events": (P.CASE_READ, P.CASE_WORK),
    "api:v1:case-transitions": (P.CASE_READ, P.CASE_WORK),
    "api:v1:case-comment-labels": (P.CASE_READ, P.COMMENT_CORRECT),
    "api:v1:inspections": (P.CASE_READ, P.INSPECTION_RECORD),
    "policy:index": P.POLICY_READ,
    "policy:detail": P.POLICY_READ,
    "policy:edit": P.POLICY_PUBLISH,
    "policy:export": P.POLICY_READ,
    "policy:version": P.POLICY_READ,
    "payments:refund_outside": P.REFUND_REQUEST,
    "payments:approvals": P.PAYMENTS_READ,
    "payments:approve": P.REFUND_APPROVE,
    "payments:decline": P.REFUND_APPROVE,
    "payments:alerts": P.PAYMENTS_READ,
    "payments:alert_resolve": P.ALERTS_RESOLVE,
    "payments:transfers": P.TRANSFERS_READ,
    "payments:transfers_export": P.TRANSFERS_EXPORT,
    "payments:transfer_download": P.TRANSFERS_READ,
    "payments:transfer_confirm": P.TRANSFERS_CONFIRM,
    "payments:commission": P.PAYMENTS_READ,
    "payments:settings": P.TRANSFERS_READ,
    "payments:settings_save": P.PAYMENT_SETTINGS_CHANGE,
    "logistics:parcel_issue": P.PARCEL_ISSUE_RECORD,
    "logistics:case_track": P.TRACKING_REFRESH,
    "partners:deliveries": P.PARTNERS_READ,
    "partners:replay": P.PARTNERS_MANAGE,
    "partners:issues": P.PARTNERS_READ,
    "partners:subscriptions": P.PARTNERS_READ,
    "partners:subscription_create": P.PARTNERS_MANAGE,
    "partners:subscription_edit": P.PARTNERS_MANAGE,
    "partners:subscription_disable": P.PARTNERS_MANAGE,
    "partners:subscription_rotate": P.PARTNERS_MANAGE,
    "partners:partners": P.PARTNERS_READ,
    "partners:partner_create": P.PARTNERS_MANAGE,
    "partners:partner_edit": P.PARTNERS_MANAGE,
    "partners:partner_rotate": P.PARTNERS_MANAGE,
    "ai:index": P.AUTOMATION_READ,
    "ai:automation": P.AUTOMATION_CHANGE,
    "ai:shadow": P.AUTOMATION_READ,
    "ai:case_comment": P.COMMENT_CORRECT,
    "allegro:accounts": P.ACCOUNTS_READ,
    "allegro:connect": P.ACCOUNTS_MANAGE,
    "allegro:callback": P.ACCOUNTS_MANAGE,
    "allegro:sync": P.ACCOUNTS_MANAGE,
}


def test_every_route_declares_a_permission_or_is_public() -> None:
    undeclared = [route.pattern for route in ROUTES if not route.public and not route.required]
    assert undeclared == []
    assert {route.name.split(":")[-1] for route in ROUTES if route.public} == PUBLIC_ROUTES


def test_every_route_needs_the_permission_the_table_says() -> None:
    declared = {}
    for route in GUARDED:
        assert route.required is not None
        read, write = route.required["read"], route.required["write"]
        declared[route.name] = read if read == write else (read, write)
    assert declared == EXPECTED


# ---------------------------------------------------------------------------------------------------------
# What a person allowed to send a POST would send. Routes not listed get an empty form.


def _inspection(world: World) -> dict[str, Any]:
    case = world.cases["returning"]
    return {"q": case.reference, **{f"outcome-{item.pk}": "OK" for item in case.items.all()}}


def _subscription(world: World) -> dict[str, Any]:
    return {"name": "wms", "url": "https://wms.example/hook", "events": "", "account": world.account.pk}


POST_DATA: dict[str, Callable[[World], dict[str, Any]]] = {
    "desk:case_transition": lambda w: {"to": "APPROVED", "reason": "checked the photos"},
    "desk:case_note": lambda w: {"text": "Called the buyer."},
    "desk:case_attention_close": lambda w: {"reason": "a duplicate of another case"},
    "desk:case_reject": lambda w: {"code": "REFUND_REJECTED", "reason": "The item is used.", "confirm": "1"},
    "desk:inspect": _inspection,
    "desk:team_new": lambda w: {
        "username": "nowy",
        "roles": ["agent"],
        "accounts": [w.account.pk],
        "active": "on",
    },
    "desk:team_member": lambda w: {"roles": ["auditor"], "accounts": [w.account.pk], "active": "on"},
    "desk:change_decline": lambda w: {"note": "not now"},
    "desk:case_refund": lambda w: {"policy": "1", "seller_comment": ""},
    "notices:edit": lambda w: {"restore": "1"},
    "policy:case_facts": lambda w: {"buyer_informed": "no", "delivered_at": "2026-11-20"},
    "payments:refund_outside": lambda w: {
        "amount": "10.00",
        "paid_on": "2026-11-30",
        "reference": "PRZELEW/77",
    },
    "payments:decline": lambda w: {"reason": "the amount is wrong"},
    "payments:transfers_export": lambda w: {"currency": "PLN", "account": w.account.pk},
    "payments:settings_save": lambda w: {"currency": "PLN", "approval_threshold": "1.00"},
    "logistics:parcel_issue": lambda w: {"kind": "PARCEL_LOST", "description": "no scans"},
    "partners:subscription_create": _subscription,
    "partners:subscription_edit": _subscription,
    "partners:partner_create": lambda w: {"name": "Kurier", "slug": "kurier", "kind": "CARRIER"},
    "partners:partner_edit": lambda w: {
        "name": "Magazyn",
        "slug": "warehouse",
        "kind": "WAREHOUSE",
        "is_active": "on",
    },
    "ai:automation": lambda w: {"mode": "SHADOW", "risk_threshold": "0.5", "max_amount": "100"},
    "ai:case_comment": lambda w: {"reason": "DAMAGED", "flags": ["damage"]},
    "policy:edit": lambda w: {"yaml_text": IMMEDIATE.replace("30", "31"), "comment": "longer period"},
    "api:v1:case-import": lambda w: unique_case_file(case_file(), 9),
    "api:v1:case-transitions": lambda w: {"to": "APPROVED", "reason": "checked the photos"},
    "api:v1:case-comment-labels": lambda w: {"reason": "DAMAGED", "flags": ["damage"]},
    "api:v1:inspections": lambda w: {
        "reference": w.cases["returning"].reference,
        "items": [{"lineItemId": line, "outcome": "OK"} for line in ("li-1", "li-2")],
    },
}
# People whose roles only read (or do nothing): whatever a route declares, they never change data.
READ_ONLY = {"no-role", "auditor"}
# GETs that change data by design (none: the Allegro sign-in callback is the only candidate and it refuses
# a callback without the state this installation started).
WRITING_GETS: set[str] = set()
# A person's own session (pending sign-in flows, one-time messages) is not the desk's data.
OWN_STATE = {"sessions.Session"}
QUERY = {"api:v1:case-import": "?account=shop-a"}
# (route, person): a request that must change data, proving the payload above is a real one.
MUST_WRITE = {
    ("desk:case_transition", "agent"),
    ("desk:case_note", "agent"),
    ("desk:case_reject", "agent"),
    ("notices:edit", "supervisor"),
    ("policy:case_facts", "agent"),
    ("desk:inspect", "agent"),
    ("desk:team_new", "admin"),
    ("desk:change_confirm", "supervisor"),
    ("payments:approve", "supervisor"),
    ("payments:alert_resolve", "agent"),
    ("payments:transfer_confirm", "supervisor"),
    ("payments:settings_save", "supervisor"),
    ("logistics:parcel_issue", "agent"),
    ("partners:partner_create", "supervisor"),
    ("api:v1:case-transitions", "agent"),
    ("api:v1:case-comment-labels", "agent"),
    ("api:v1:inspections", "agent"),
    ("api:v1:case-import", "agent"),
}


def fingerprint() -> dict[str, str]:
    """A digest of every row of every table the desk owns."""
    digests = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        rows = list(model._default_manager.order_by("pk").values_list())
        digests[model._meta.label] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return digests


class Rollback(Exception):
    pass


@dataclass
class Outcome:
    status: int
    location: str
    content_type: str
    changed: list[str]


def attempt(
    client: Client, method: str, url: str, data: dict[str, Any], api: bool, before: dict[str, str]
) -> Outcome:
    """One request, rolled back; `before`: the tables' digest (the same for every request of a test)."""
    outcome: Outcome | None = None
    try:
        with transaction.atomic():
            if method == "GET":
                response = client.get(url)
            elif api:
                response = client.post(url, data=json.dumps(data), content_type="application/json")
            else:
                response = client.post(url, data)
            after = fingerprint()
            outcome = Outcome(
                status=response.status_code,
                location=response.get("Location", ""),
                content_type=response.get("Content-Type", ""),
                changed=sorted(label for label, digest in after.items() if before.get(label) != digest),
            )
            raise Rollback
    except Rollback:
        pass
    assert outcome is not None
    return outcome


def _clients(world: World) -> dict[str, Client]:
    clients = {ANONYMOUS: Client()}
    for name, user in world.people.items():
        client = Client()
        client.force_login(user)
        clients[name] = client
    return clients


def _methods(
    route: Route, admin: Client, url: str, data: dict[str, Any], before: dict[str, str]
) -> list[str]:
    """The methods the route accepts: the API's from its schema, a page's those an admin is not
    answered 405 Method Not Allowed for."""
    if not route.api:
        return [
            method
            for method in ("GET", "POST")
            if attempt(admin, method, url, data, False, before).status != 405
        ]
    operations = _api_operations().get(route.pattern, set())
    assert operations, f"{route.pattern} is missing from the API schema"
    return sorted(operations)


_SCHEMA: dict[str, set[str]] = {}


def _api_operations() -> dict[str, set[str]]:
    """The methods of each API path, from the OpenAPI schema, keyed by the URL pattern."""
    if not _SCHEMA:
        schema = SchemaGenerator().get_schema(request=None, public=True)
        for path, operations in schema["paths"].items():
            pattern = path.lstrip("/").replace("{", "<int:").replace("}", ">")
            _SCHEMA[pattern] = {method.upper() for method in operations if method != "parameters"}
    return _SCHEMA


_REPORT: Counter[str] = Counter()


def _expect(route: Route, person: str, method: str, world: World) -> str:
    """'login', 'refused', 'not-found' or 'allowed'."""
    if person == ANONYMOUS:
        return "login"
    assert route.required is not None
    if permission_for(route.required, method) not in user_permissions(world.people[person]):
        return "refused"
    if person == "outsider" and ACCOUNT_BOUND & set(route.arguments):
        return "not-found"
    return "allowed"


def _check(route: Route, person: str, method: str, expected: str, outcome: Outcome) -> str | None:
    where = f"{method} {route.pattern} as {person}"
    if expected == "login":
        if route.api:
            ok = outcome.status == 401 and "problem+json" in outcome.content_type
        else:
            ok = outcome.status == 302 and outcome.location.startswith(reverse("login"))
    elif expected == "refused":
        ok = outcome.status == 403
        if ok and route.api:
            ok = "problem+json" in outcome.content_type
    elif expected == "not-found":
        ok = outcome.status == 404
    else:
        ok = outcome.status < 500 and outcome.status not in (401, 403)
    if not ok:
        return f"{where}: expected {expected}, got {outcome.status} {outcome.location}"
    if expected != "allowed" and outcome.changed:
        return f"{where}: refused but wrote to {outcome.changed}"
    data_changed = [label for label in outcome.changed if label not in OWN_STATE]
    if data_changed and method == "GET" and route.name not in WRITING_GETS:
        return f"{where}: a GET wrote to {data_changed}"
    if data_changed and person in READ_ONLY:
        return f"{where}: a read-only person wrote to {data_changed}"
    if (route.name, person) in MUST_WRITE and method == "POST" and not outcome.changed:
        return f"{where}: allowed but wrote nothing ({outcome.status}); the payload is not a real one"
    return None


@pytest.mark.parametrize("route", GUARDED, ids=[route.name for route in GUARDED])
def test_route_answers_every_role_as_its_permission_says(route: Route, world: World) -> None:
    clients = _clients(world)
    url = reverse(route.name, kwargs={name: world.kwargs[name] for name in route.arguments})
    url += QUERY.get(route.name, "")
    data = POST_DATA.get(route.name, lambda w: {})(world)
    problems = []
    before = fingerprint()  # every request is rolled back, so every one starts from this
    methods = _methods(route, clients["admin"], url, data, before)
    for person in ROLES:
        for method in methods:
            expected = _expect(route, person, method, world)
            outcome = attempt(clients[person], method, url, data, route.api, before)
            problem = _check(route, person, method, expected, outcome)
            _REPORT["tried"] += 1
            _REPORT[expected] += 1
            if expected != "allowed":
                _REPORT["written by a role that may not"] += bool(outcome.changed)
            if problem:
                problems.append(problem)
    _report()
    assert problems == []


def test_the_payloads_name_real_routes() -> None:
    names = {route.name for route in GUARDED}
    assert set(POST_DATA) <= names and {name for name, _person in MUST_WRITE} <= names


def test_every_api_operation_of_the_schema_is_in_the_matrix() -> None:
    guarded_api = {route.pattern for route in GUARDED if route.api}
    public_api = {route.pattern for route in ROUTES if route.api and route.public}
    assert set(_api_operations()) <= guarded_api | public_api


def _report() -> None:
    path = os.environ.get("REFUND_DESK_MATRIX_REPORT")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump({"routes": len(GUARDED), "roles": len(ROLES), **_REPORT}, out, indent=2)
