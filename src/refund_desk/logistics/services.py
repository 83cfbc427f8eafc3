"""Writes of the logistics app: return parcels from customer returns, their tracking, stale-parcel
alerts, partner issues for lost or returned parcels, and warehouse inspections."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from refund_desk.cases.access import require_account
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import CaseStatus, EventType
from refund_desk.cases.models import CaseItem, RefundCase
from refund_desk.cases.services import case_move_if_allowed, event_append
from refund_desk.core.errors import ValidationFailed
from refund_desk.core.money import CENT
from refund_desk.core.permissions import Perm, require
from refund_desk.core.ports import GatewayError
from refund_desk.logistics.choices import (
    NOT_YET_DISPATCHED,
    OUTCOME_SUGGESTIONS,
    PROBLEM_STATES,
    InspectionOutcome,
    InspectionSource,
    ParcelState,
)
from refund_desk.logistics.gateway import tracking_gateway
from refund_desk.logistics.models import Inspection, InspectionItem, InspectionPhoto, Parcel, TrackingEvent
from refund_desk.partners.choices import IssueKind
from refund_desk.partners.services import partner_for_carrier, partner_issue_record
from refund_desk.payments.choices import AlertKind
from refund_desk.payments.services import alert_raise
from refund_desk.policy.selectors import policy_active

logger = logging.getLogger("refund_desk.logistics")

SYSTEM = Actor.system("logistics")
WAYBILLS_PER_CALL = 20
DEFAULT_STALE_DAYS = 5


def stale_after() -> timedelta:
    return timedelta(days=int(getattr(settings, "LOGISTICS_STALE_PARCEL_DAYS", DEFAULT_STALE_DAYS)))


@transaction.atomic
def _declared_parcels(case: RefundCase) -> list[tuple[str, str, datetime | None]]:
    """(carrier, waybill, declared at) of each parcel Allegro lists on the case's customer return."""
    declared = []
    for raw in (case.snapshot or {}).get("parcels") or []:
        if not isinstance(raw, dict):
            continue
        carrier_id = str(raw.get("transportingCarrierId") or raw.get("carrierId") or "").strip()[:64]
        waybill = str(raw.get("transportingWaybill") or raw.get("waybill") or "").strip()[:100]
        if carrier_id and waybill:
            at = parse_datetime(str(raw.get("createdAt") or "")) if raw.get("createdAt") else None
            declared.append((carrier_id, waybill, at))
    return declared


def parcels_sync_from_case(*, case: RefundCase) -> list[Parcel]:
    """The Parcel of every parcel in the customer return snapshot, created for those not yet followed."""
    parcels: list[Parcel] = []
    for carrier_id, waybill, declared in _declared_parcels(case):
        parcel, _ = Parcel.objects.get_or_create(
            case=case, carrier_id=carrier_id, waybill=waybill, defaults={"declared_at": declared}
        )
        parcels.append(parcel)
    return parcels


def parcels_record_declared(*, cases: Sequence[RefundCase]) -> int:
    """The parcels Allegro lists on many new cases, in one insert (intake calls this for each chunk);
    tracking then follows them. Returns how many rows were written."""
    rows = [
        Parcel(case=case, carrier_id=carrier_id, waybill=waybill, declared_at=declared)
        for case in cases
        for carrier_id, waybill, declared in _declared_parcels(case)
    ]
    return len(Parcel.objects.bulk_create(rows, ignore_conflicts=True)) if rows else 0


@transaction.atomic
def parcel_record_scans(
    *, parcel: Parcel, scans: Sequence[tuple[datetime, str, str]], now: datetime | None = None
) -> Parcel:
    """Store new scans and act on them: proof of dispatch, delivery (case → RETURN_RECEIVED), problems."""
    moment = now or timezone.now()
    locked = Parcel.objects.select_for_update(of=("self",)).select_related("case").get(pk=parcel.pk)
    known = set(locked.tracking_events.values_list("occurred_at", "code"))
    fresh = sorted((s for s in scans if (s[0], s[1]) not in known), key=lambda s: s[0])
    for occurred_at, code, description in fresh:
        TrackingEvent.objects.create(
            parcel=locked, occurred_at=occurred_at, code=code, description=description[:300]
        )
    locked.last_checked_at = moment
    if fresh:
        latest = max(fresh, key=lambda s: s[0])
        locked.last_scan_at = max(latest[0], locked.last_scan_at or latest[0])
        if locked.last_scan_at == latest[0]:
            locked.state = latest[1] if latest[1] in ParcelState.values else locked.state
    case = locked.case
    dispatched = next((s for s in sorted(scans, key=lambda s: s[0]) if s[1] not in NOT_YET_DISPATCHED), None)
    if dispatched is not None and locked.dispatched_at is None:
        locked.dispatched_at = dispatched[0]
        event_append(
            case=case,
            type=EventType.SYNCED,
            actor=SYSTEM,
            reason=f"return parcel {locked.waybill} accepted by carrier {locked.carrier_id}: proof of dispatch",
            payload={"parcel": locked.pk, "returnDispatchedAt": dispatched[0].isoformat()},
        )
    delivered = next((s for s in scans if s[1] == ParcelState.DELIVERED), None)
    if delivered is not None and locked.delivered_at is None:
        locked.delivered_at = delivered[0]
        case_move_if_allowed(
            case=case,
            to=CaseStatus.RETURN_RECEIVED,
            actor=SYSTEM,
            reason=f"return parcel {locked.waybill} delivered",
            payload={"parcel": locked.pk, "returnDeliveredAt": delivered[0].isoformat()},
            otherwise=EventType.SYNCED,
        )
    if fresh and locked.state in PROBLEM_STATES:
        alert_raise(
            kind=AlertKind.PARCEL_PROBLEM,
            message=f"Return parcel {locked.waybill} ({locked.carrier_id}): {locked.get_state_display()}",
            dedup_key=f"parcel-problem:{locked.pk}:{locked.state}",
            case=case,
        )
    locked.save()
    return locked


def parcels_track(*, parcels: Sequence[Parcel] | None = None, now: datetime | None = None) -> int:
    """Ask Allegro for the tracking of open parcels, 20 waybills per call per account and carrier."""
    moment = now or timezone.now()
    todo = (
        list(parcels)
        if parcels is not None
        else list(
            Parcel.objects.select_related("case__account").exclude(
                state__in=[ParcelState.DELIVERED, ParcelState.RETURNED]
            )
        )
    )
    groups: dict[tuple[int, str], list[Parcel]] = defaultdict(list)
    for parcel in todo:
        groups[(parcel.case.account_id, parcel.carrier_id)].append(parcel)
    gateway = tracking_gateway.get()
    updated = 0
    for (_, carrier_id), group in groups.items():
        account = group[0].case.account
        for start in range(0, len(group), WAYBILLS_PER_CALL):
            chunk = group[start : start + WAYBILLS_PER_CALL]
            try:
                histories = gateway.tracking(account, carrier_id, [p.waybill for p in chunk])
            except GatewayError as exc:
                logger.info("tracking %s for account %s postponed: %s", carrier_id, account.pk, exc)
                continue
            by_waybill = {h.waybill: h for h in histories}
            for parcel in chunk:
                history = by_waybill.get(parcel.waybill)
                scans = [(s.occurred_at, s.code, s.description) for s in history.scans] if history else []
                parcel_record_scans(parcel=parcel, scans=scans, now=moment)
                updated += 1
    return updated


def parcels_check_stale(*, now: datetime | None = None) -> int:
    """Alert once for each open parcel without a scan for the configured number of days."""
    moment = now or timezone.now()
    limit = moment - stale_after()
    count = 0
    for parcel in (
        Parcel.objects.select_related("case")
        .filter(stale_alerted_at__isnull=True)
        .exclude(state__in=[ParcelState.DELIVERED, ParcelState.RETURNED])
    ):
        last = parcel.last_scan_at or parcel.declared_at or parcel.created_at
        if last > limit:
            continue
        with transaction.atomic():
            alert_raise(
                kind=AlertKind.PARCEL_STALE,
                message=f"Return parcel {parcel.waybill} ({parcel.carrier_id}) has had no scan since {last:%Y-%m-%d}",
                dedup_key=f"parcel-stale:{parcel.pk}",
                case=parcel.case,
            )
            Parcel.objects.filter(pk=parcel.pk).update(stale_alerted_at=moment)
        count += 1
    return count


@transaction.atomic
def parcel_report_issue(*, parcel: Parcel, kind: IssueKind, actor: Actor, description: str = "") -> Any:
    """Record a lost/returned/damaged parcel as an issue with its carrier."""
    require(actor, Perm.PARCEL_ISSUE_RECORD)
    require_account(actor, parcel.case.account_id)
    issue = partner_issue_record(
        partner=partner_for_carrier(carrier_id=parcel.carrier_id),
        kind=kind,
        actor=actor,
        case=parcel.case,
        reference=parcel.waybill,
        description=description,
    )
    event_append(
        case=parcel.case,
        type=EventType.NOTE,
        actor=actor,
        reason=f"{kind.label} recorded against carrier {parcel.carrier_id} for parcel {parcel.waybill}",
        payload={"partnerIssue": issue.pk},
    )
    return issue


# --- inspections ----------------------------------------------------------------------------------


MAX_PHOTOS = 10
# What an inspection photo may be, recognised by its first bytes (never by its name or declared type).
SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "jpg"),
    (0, b"\x89PNG\r\n\x1a\n", "png"),
    (0, b"%PDF-", "pdf"),
    (4, b"ftypheic", "heic"),
    (4, b"ftypheix", "heic"),
    (4, b"ftyphevc", "heic"),
    (4, b"ftypmif1", "heic"),
)


def photo_kind(photo: UploadedFile) -> tuple[str, str]:
    """("jpg" | "png" | "pdf" | "heic", "") for an acceptable file, else ("", the reason)."""
    limit = int(settings.INSPECTION_PHOTO_MAX_BYTES)
    if (photo.size or 0) > limit:
        return "", f"larger than {limit // (1024 * 1024)} MiB"
    photo.seek(0)
    head = photo.read(16)
    photo.seek(0)
    for offset, magic, kind in SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return kind, ""
    return "", "not a JPEG, PNG, HEIC photo or a PDF"


@dataclass(frozen=True, slots=True)
class ItemFinding:
    case_item_id: int
    outcome: str
    note: str = ""
    photos: Sequence[UploadedFile] = field(default_factory=tuple)


def _suggestion(
    case: RefundCase, findings: Sequence[ItemFinding], items: dict[int, CaseItem]
) -> dict[str, Any]:
    """Deductions the policy allows for what was found, and the Allegro rejection code that matches."""
    policy = policy_active(account=case.account_id, marketplace=case.marketplace)
    lines: list[dict[str, Any]] = []
    codes: list[str] = []
    total = Decimal(0)
    for finding in findings:
        percent, code = OUTCOME_SUGGESTIONS[finding.outcome]
        if finding.outcome == InspectionOutcome.OK:
            continue
        item = items[finding.case_item_id]
        value = item.line_item.unit_price * item.quantity
        allowed = percent if policy.deductions_allowed or percent == 100 else Decimal(0)
        capped = min(allowed, policy.deduction_max_percent) if allowed < 100 else allowed
        amount = (value * capped / 100).quantize(CENT)
        total += amount
        if code:
            codes.append(code)
        lines.append(
            {
                "lineItemId": item.line_item.external_id,
                "outcome": finding.outcome,
                "deduction": f"{amount:.2f}",
                "percent": str(capped),
                "rejectionCode": code,
            }
        )
    strongest = next((c for c in ("ITEM_MISMATCH", "NO_RETURN_RIGHT", "REFUND_REJECTED") if c in codes), None)
    return {
        "lines": lines,
        "deductionTotal": f"{total:.2f}",
        "currency": case.currency,
        "rejectionCode": strongest,
        "policyVersion": policy.version,
    }


@transaction.atomic
def inspection_record(
    *,
    case: RefundCase,
    findings: Sequence[ItemFinding],
    actor: Actor,
    source: InspectionSource = InspectionSource.DESK,
    parcel: Parcel | None = None,
) -> Inspection:
    """Record what came back: the case's goods are back (RETURN_RECEIVED). Anything not OK sends the case
    to a person with the suggested deduction and the matching Allegro rejection code; what follows an
    all-OK inspection (approving and paying) is `workflows.inspection.inspection_receive`'s."""
    require(actor, Perm.INSPECTION_RECORD)
    require_account(actor, case.account_id)
    locked = RefundCase.objects.select_for_update().get(pk=case.pk)
    items = {item.pk: item for item in locked.items.select_related("line_item")}
    errors: list[tuple[str, str]] = []
    if not findings:
        errors.append(("items", "record an outcome for at least one item"))
    for index, finding in enumerate(findings):
        if finding.case_item_id not in items:
            errors.append((f"items[{index}].id", "not an item of this case"))
        if finding.outcome not in InspectionOutcome.values:
            errors.append(
                (f"items[{index}].outcome", f"must be one of {', '.join(InspectionOutcome.values)}")
            )
    if len({f.case_item_id for f in findings}) != len(findings):
        errors.append(("items", "each item once"))
    kinds: dict[tuple[int, int], str] = {}
    for index, finding in enumerate(findings):
        if len(finding.photos) > MAX_PHOTOS:
            errors.append((f"items[{index}].photos", f"at most {MAX_PHOTOS} photos per item"))
        for number, photo in enumerate(finding.photos):
            kind, problem = photo_kind(photo)
            if problem:
                errors.append((f"items[{index}].photos[{number}]", problem))
            else:
                kinds[index, number] = kind
    if errors:
        raise ValidationFailed(errors)
    all_ok = all(f.outcome == InspectionOutcome.OK for f in findings)
    suggestion = {} if all_ok else _suggestion(locked, findings, items)
    inspection = Inspection.objects.create(
        case=locked,
        parcel=parcel,
        source=source,
        inspected_by_label=actor.label,
        all_ok=all_ok,
        suggestion=suggestion,
    )
    for index, finding in enumerate(findings):
        item = InspectionItem.objects.create(
            inspection=inspection,
            case_item=items[finding.case_item_id],
            outcome=finding.outcome,
            note=finding.note,
        )
        for number, photo in enumerate(finding.photos):
            # Stored under a name of our own with the extension of what the bytes are.
            photo.name = f"{inspection.pk}-{item.pk}-{number}.{kinds[index, number]}"
            InspectionPhoto.objects.create(item=item, image=photo)
    outcomes = {items[f.case_item_id].line_item.external_id: f.outcome for f in findings}
    payload = {"inspection": inspection.pk, "outcomes": outcomes, "suggestion": suggestion}
    case_move_if_allowed(
        case=locked,
        to=CaseStatus.RETURN_RECEIVED,
        actor=SYSTEM,
        reason="goods received at the warehouse",
        payload=payload,
        otherwise=None,
    )
    if all_ok:
        event_append(
            case=locked, type=EventType.NOTE, actor=actor, reason="inspection: everything OK", payload=payload
        )
    else:
        reason = (
            "inspection found problems; suggested deduction "
            f"{suggestion['deductionTotal']} {suggestion['currency']}"
            + (f", Allegro code {suggestion['rejectionCode']}" if suggestion["rejectionCode"] else "")
        )
        case_move_if_allowed(
            case=locked, to=CaseStatus.ESCALATED, actor=SYSTEM, reason=reason, payload=payload
        )
        if any(f.outcome == InspectionOutcome.DAMAGED_IN_TRANSIT for f in findings) and parcel is not None:
            parcel_report_issue(
                parcel=parcel, kind=IssueKind.PARCEL_DAMAGED, actor=actor, description="damaged in transit"
            )
    return inspection
