"""The declarative refund policy: parsed from a plain document (YAML/JSON), checked against the law.

A policy can be more generous than the law but never weaker; `policy_from_document` refuses a weaker one
with (field path, message) pairs. The parsed `Policy` is immutable and precomputes its lookups, so the
engine reads plain dicts and sets in the hot path.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from refund_desk.core.errors import ValidationFailed
from refund_desk.core.money import SUPPORTED_CURRENCIES
from refund_desk.policy.engine import law

SCHEMA = "refund-desk/policy/v1"
RETURN_SHIPPING_PAYERS = ("BUYER", "SELLER")
# ON_RETURN_OR_PROOF_OF_DISPATCH: the statutory withholding (Dir. Art. 13(3)); ON_DISPATCH: also a return
# parcel registered with Allegro releases the refund; IMMEDIATELY: refund on the statement.
REFUND_TIMINGS = ("ON_RETURN_OR_PROOF_OF_DISPATCH", "ON_DISPATCH", "IMMEDIATELY")
STATUTORY_VERSION = "statutory-default/v1"


@dataclass(frozen=True, slots=True)
class Policy:
    """One version of a seller's refund policy for one marketplace (or the statutory default)."""

    version: str
    name: str = "Statutory minimum"
    withdrawal_days: int = law.STATUTORY_WITHDRAWAL_DAYS
    return_shipping_paid_by: str = "BUYER"
    refund_timing: str = "ON_RETURN_OR_PROOF_OF_DISPATCH"
    business_returns_allowed: bool = False
    offer_restrictions: Mapping[str, str] = field(default_factory=dict)
    category_restrictions: Mapping[str, str] = field(default_factory=dict)
    waived_restrictions: frozenset[str] = frozenset()
    refund_delivery_on_partial: bool = False
    refund_delivery_above_cheapest: bool = False
    deductions_allowed: bool = True
    deduction_max_percent: Decimal = Decimal(100)
    auto_max_amount: Mapping[str, Decimal] = field(default_factory=dict)
    auto_max_cases_per_buyer: int | None = None
    complaint_answer_days: Mapping[str, int] = field(
        default_factory=lambda: {
            "allegro-pl": law.PL_COMPLAINT_ANSWER_DAYS,
            "allegro-cz": law.DEFAULT_COMPLAINT_ANSWER_DAYS,
            "allegro-sk": law.DEFAULT_COMPLAINT_ANSWER_DAYS,
            "allegro-hu": law.DEFAULT_COMPLAINT_ANSWER_DAYS,
        }
    )

    def restriction_for(self, offer_id: str, category: str | None) -> str | None:
        cause = self.offer_restrictions.get(offer_id)
        if cause is None and category is not None:
            cause = self.category_restrictions.get(category)
        return cause

    def to_document(self) -> dict[str, Any]:
        """The plain document this policy was parsed from (round-trips through `policy_from_document`)."""
        return {
            "schema": SCHEMA,
            "name": self.name,
            "withdrawal": {
                "periodDays": self.withdrawal_days,
                "returnShippingPaidBy": self.return_shipping_paid_by,
                "refundTiming": self.refund_timing,
                "businessReturnsAllowed": self.business_returns_allowed,
            },
            "restrictions": {
                "offers": dict(sorted(self.offer_restrictions.items())),
                "categories": dict(sorted(self.category_restrictions.items())),
                "waived": sorted(self.waived_restrictions),
            },
            "delivery": {
                "refundOnPartialWithdrawal": self.refund_delivery_on_partial,
                "refundAboveCheapestStandard": self.refund_delivery_above_cheapest,
            },
            "deductions": {
                "allowed": self.deductions_allowed,
                "maxPercentWithoutReview": str(self.deduction_max_percent),
            },
            "automaticApproval": {
                "maxAmountPerCase": {c: f"{a:.2f}" for c, a in sorted(self.auto_max_amount.items())},
                "maxCasesPerBuyerPer30Days": self.auto_max_cases_per_buyer,
            },
            "complaints": {"answerDays": dict(sorted(self.complaint_answer_days.items()))},
        }

    def to_yaml(self) -> str:
        return policy_to_yaml(self.to_document())


STATUTORY_DEFAULT = Policy(version=STATUTORY_VERSION)


def policy_to_yaml(document: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(document), sort_keys=False, allow_unicode=True, default_flow_style=False)


def document_fingerprint(document: Mapping[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class _Reader:
    """Reads one section of a policy document, collecting (path, message) errors instead of raising."""

    def __init__(self, errors: list[tuple[str, str]], data: Mapping[str, Any], path: str, known: set[str]):
        self.errors = errors
        self.data = data
        self.path = path
        for key in data:
            if key not in known:
                errors.append(
                    (self._at(str(key)), f"unknown setting; expected one of {', '.join(sorted(known))}")
                )

    def _at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def section(self, key: str, known: set[str]) -> _Reader:
        value = self.data.get(key) or {}
        if not isinstance(value, Mapping):
            self.errors.append((self._at(key), "must be a mapping"))
            value = {}
        return _Reader(self.errors, value, self._at(key), known)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.errors.append((self._at(key), "must be true or false"))
            return default
        return value

    def integer(self, key: str, default: int | None, minimum: int = 0) -> int | None:
        value = self.data.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.errors.append((self._at(key), "must be a whole number"))
            return default
        if value < minimum:
            self.errors.append((self._at(key), f"must be at least {minimum}"))
            return default
        return value

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.data.get(key, default)
        if value not in choices:
            self.errors.append((self._at(key), f"must be one of {', '.join(choices)}"))
            return default
        return str(value)

    def decimal(self, key: str, default: Decimal) -> Decimal:
        value = self.data.get(key, default)
        parsed = _decimal(value)
        if parsed is None:
            self.errors.append((self._at(key), 'must be a decimal number written as a string, e.g. "25"'))
            return default
        return parsed

    def mapping(self, key: str) -> Mapping[Any, Any]:
        value = self.data.get(key) or {}
        if not isinstance(value, Mapping):
            self.errors.append((self._at(key), "must be a mapping"))
            return {}
        return value


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool | float):
        return None
    try:
        parsed = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return parsed if parsed.is_finite() else None


def policy_from_document(document: object, *, version: str) -> Policy:
    """Parse and check a policy document; raise ValidationFailed naming each bad field."""
    if document is None:
        document = {}
    if not isinstance(document, Mapping):
        raise ValidationFailed([("$", "a policy must be a mapping of settings")])
    errors: list[tuple[str, str]] = []
    top_keys = {
        "schema",
        "name",
        "version",
        "withdrawal",
        "restrictions",
        "delivery",
        "deductions",
        "automaticApproval",
        "complaints",
    }
    root = _Reader(errors, document, "", top_keys)
    schema = document.get("schema", SCHEMA)
    if schema != SCHEMA:
        errors.append(("schema", f"unsupported policy schema {schema!r}; expected {SCHEMA!r}"))
    name = document.get("name", "Refund policy")
    if not isinstance(name, str) or not name.strip():
        errors.append(("name", "must be a non-empty text"))
        name = "Refund policy"

    w = root.section(
        "withdrawal", {"periodDays", "returnShippingPaidBy", "refundTiming", "businessReturnsAllowed"}
    )
    days = w.integer("periodDays", law.STATUTORY_WITHDRAWAL_DAYS, minimum=law.STATUTORY_WITHDRAWAL_DAYS)
    if days is None:
        errors.append(("withdrawal.periodDays", "is required"))
        days = law.STATUTORY_WITHDRAWAL_DAYS
    if days < law.STATUTORY_WITHDRAWAL_DAYS:
        errors.append(("withdrawal.periodDays", "cannot be shorter than the statutory 14 days"))
    payer = w.choice("returnShippingPaidBy", "BUYER", RETURN_SHIPPING_PAYERS)
    timing = w.choice("refundTiming", "ON_RETURN_OR_PROOF_OF_DISPATCH", REFUND_TIMINGS)
    business = w.boolean("businessReturnsAllowed", False)

    r = root.section("restrictions", {"offers", "categories", "waived"})
    offers = _restriction_map(errors, r.mapping("offers"), "restrictions.offers")
    categories = _restriction_map(errors, r.mapping("categories"), "restrictions.categories")
    waived_raw = r.data.get("waived") or []
    waived: set[str] = set()
    if not isinstance(waived_raw, list):
        errors.append(("restrictions.waived", "must be a list of restriction causes"))
    else:
        for i, cause in enumerate(waived_raw):
            if cause not in law.RESTRICTION_CAUSES:
                errors.append((f"restrictions.waived[{i}]", f"unknown restriction cause {cause!r}"))
            else:
                waived.add(cause)

    d = root.section("delivery", {"refundOnPartialWithdrawal", "refundAboveCheapestStandard"})
    on_partial = d.boolean("refundOnPartialWithdrawal", False)
    above_cheapest = d.boolean("refundAboveCheapestStandard", False)

    x = root.section("deductions", {"allowed", "maxPercentWithoutReview"})
    deductions_allowed = x.boolean("allowed", True)
    max_percent = x.decimal("maxPercentWithoutReview", Decimal(100))
    if not Decimal(0) <= max_percent <= Decimal(100):
        errors.append(("deductions.maxPercentWithoutReview", "must be between 0 and 100"))

    a = root.section("automaticApproval", {"maxAmountPerCase", "maxCasesPerBuyerPer30Days"})
    max_amount: dict[str, Decimal] = {}
    for currency, raw in a.mapping("maxAmountPerCase").items():
        path = f"automaticApproval.maxAmountPerCase.{currency}"
        if currency not in SUPPORTED_CURRENCIES:
            errors.append((path, f"unknown currency; expected one of {', '.join(SUPPORTED_CURRENCIES)}"))
            continue
        amount = _decimal(raw)
        if amount is None or amount < 0:
            errors.append((path, "must be a non-negative decimal amount written as a string"))
            continue
        max_amount[str(currency)] = amount
    max_cases = a.integer("maxCasesPerBuyerPer30Days", None, minimum=0)

    c = root.section("complaints", {"answerDays"})
    answer_days = dict(STATUTORY_DEFAULT.complaint_answer_days)
    for marketplace, raw in c.mapping("answerDays").items():
        path = f"complaints.answerDays.{marketplace}"
        if marketplace not in law.MARKETPLACES:
            errors.append((path, f"unknown marketplace; expected one of {', '.join(law.MARKETPLACES)}"))
            continue
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
            errors.append((path, "must be a whole number of days, at least 1"))
            continue
        if marketplace in law.DEEMED_ACCEPTANCE_MARKETPLACES and raw > law.PL_COMPLAINT_ANSWER_DAYS:
            errors.append((path, "cannot be longer than the statutory 14 days (UPK Art. 7a)"))
            continue
        answer_days[str(marketplace)] = raw

    if errors:
        raise ValidationFailed(errors)
    return Policy(
        version=version,
        name=name.strip(),
        withdrawal_days=days,
        return_shipping_paid_by=payer,
        refund_timing=timing,
        business_returns_allowed=business,
        offer_restrictions=offers,
        category_restrictions=categories,
        waived_restrictions=frozenset(waived),
        refund_delivery_on_partial=on_partial,
        refund_delivery_above_cheapest=above_cheapest,
        deductions_allowed=deductions_allowed,
        deduction_max_percent=max_percent,
        auto_max_amount=max_amount,
        auto_max_cases_per_buyer=max_cases,
        complaint_answer_days=answer_days,
    )


def _restriction_map(errors: list[tuple[str, str]], raw: Mapping[Any, Any], path: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for key, cause in raw.items():
        if cause not in law.RESTRICTION_CAUSES:
            errors.append((f"{path}.{key}", f"unknown restriction cause {cause!r}"))
            continue
        result[str(key)] = str(cause)
    return result


def policy_from_yaml(text: str, *, version: str | None = None) -> Policy:
    """Parse a YAML policy. Without an explicit version, the document's `version` or its content hash is used."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "$"
        raise ValidationFailed([(where, f"not valid YAML: {getattr(exc, 'problem', exc)}")]) from exc
    if version is None:
        declared = document.get("version") if isinstance(document, Mapping) else None
        version = (
            str(declared) if declared is not None else f"file/{document_fingerprint(document or {})[:12]}"
        )
    return policy_from_document(document, version=version)
