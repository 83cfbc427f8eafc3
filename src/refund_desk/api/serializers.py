"""Shapes of the API: what cases, events and import summaries look like, and what requests carry.

Field names are camelCase like Allegro's own API; money is {"amount": "12.30", "currency": "PLN"}
with the amount as a decimal string, never a float.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from refund_desk.cases.choices import CaseStatus
from refund_desk.cases.models import CaseItem, Order, RefundCase
from refund_desk.cases.selectors import MAX_PAGE_SIZE
from refund_desk.core.money import SUPPORTED_CURRENCIES, Money
from refund_desk.outbound.choices import THREAD_MESSAGE_MAX, ClaimRejectionStatus, ReturnRejectionCode

# --- building blocks ---------------------------------------------------------------------------------


class MoneySerializer(serializers.Serializer):
    amount = serializers.CharField(help_text='Decimal string with two places, e.g. "12.30".')
    currency = serializers.ChoiceField(choices=SUPPORTED_CURRENCIES)


def money_json(amount: Decimal | None, currency: str) -> dict[str, str] | None:
    return None if amount is None else Money(amount, currency).to_json()


@extend_schema_field(MoneySerializer)
class MoneyField(serializers.Field):
    """A read-only Money value (the source attribute or method returns a Money)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Money) -> dict[str, str]:
        return value.to_json()


# Fields named like Serializer/Field attributes (errors, source, label) are fine at runtime: the metaclass
# removes declared fields from the class. Only mypy sees the clash.


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(
        help_text='Path of the offending field, e.g. "customerReturn.items[1].quantity".'
    )
    message = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details (media type application/problem+json)."""

    type = serializers.CharField(help_text="URI of the problem type; about:blank for plain HTTP errors.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(help_text="Path of the request that failed.")
    errors = FieldErrorSerializer(many=True, required=False, help_text="Present for validation failures.")  # type: ignore[assignment]  # DRF pops declared fields off the class; only mypy sees a clash


# --- cases -------------------------------------------------------------------------------------------


class AccountRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AttentionSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="What failed, in words.")
    since = serializers.DateTimeField()


class CaseSummarySerializer(serializers.Serializer):
    """A case as the queue lists it."""

    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    reference = serializers.CharField()
    kind = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # DRF pops declared fields off the class; only mypy sees a clash
    externalId = serializers.CharField(source="external_id")
    status = serializers.CharField()
    externalStatus = serializers.CharField(source="external_status")
    account = AccountRefSerializer()
    marketplace = serializers.CharField()
    currency = serializers.CharField()
    buyerLogin = serializers.CharField(source="buyer_login")
    orderId = serializers.CharField(source="order_external_id")
    reason = serializers.CharField(source="primary_reason")
    requestedAmount = MoneyField(source="requested_money")
    openedAt = serializers.DateTimeField(source="opened_at")
    respondBy = serializers.DateTimeField(source="respond_by", allow_null=True)
    refundBy = serializers.DateTimeField(source="refund_by", allow_null=True)
    dueAt = serializers.DateTimeField(source="due_at")
    isOpen = serializers.BooleanField(source="is_open")
    overdue = serializers.SerializerMethodField()
    needsAttention = serializers.SerializerMethodField(
        help_text="Set when the case is set aside for a person (the error in words); automation leaves it alone."
    )
    updatedAt = serializers.DateTimeField(source="updated_at")

    def get_url(self, case: RefundCase) -> str:
        request = self.context.get("request")
        path = reverse("api:v1:case-detail", kwargs={"case_id": case.pk})
        return request.build_absolute_uri(path) if request is not None else path

    def get_overdue(self, case: RefundCase) -> bool:
        return case.is_open and case.due_at < timezone.now()

    @extend_schema_field(AttentionSerializer(allow_null=True))
    def get_needsAttention(self, case: RefundCase) -> dict[str, Any] | None:
        if not case.needs_attention:
            return None
        return {"error": case.attention, "since": case.attention_since}


class OfferSerializer(serializers.Serializer):
    id = serializers.CharField(source="offer_id")
    name = serializers.CharField(source="offer_name")


class CaseItemSerializer(serializers.Serializer):
    """A line the buyer wants money back for."""

    id = serializers.IntegerField()
    lineItemId = serializers.CharField(source="line_item.external_id", help_text="Allegro line item id.")
    offer = OfferSerializer(source="line_item")
    quantity = serializers.IntegerField()
    orderedQuantity = serializers.IntegerField(source="line_item.quantity")
    unitPrice = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField(help_text="Unit price times the quantity returned.")
    reason = serializers.CharField(source="reason_type")
    comment = serializers.CharField()

    @extend_schema_field(MoneySerializer)
    def get_unitPrice(self, item: CaseItem) -> dict[str, str] | None:
        return money_json(item.line_item.unit_price, item.case.currency)

    @extend_schema_field(MoneySerializer)
    def get_total(self, item: CaseItem) -> dict[str, str] | None:
        return money_json(item.line_item.unit_price * item.quantity, item.case.currency)


class BuyerSerializer(serializers.Serializer):
    login = serializers.CharField()
    allegroId = serializers.CharField(source="allegro_id")
    email = serializers.CharField(source="email_masked", help_text="Allegro's masked e-mail alias.")


class OrderSummarySerializer(serializers.Serializer):
    """The Allegro checkout form the case refers to, summarised."""

    id = serializers.CharField(source="external_id", help_text="Allegro checkout form id.")
    status = serializers.CharField()
    boughtAt = serializers.DateTimeField(source="bought_at", allow_null=True)
    paymentId = serializers.CharField(source="payment_id")
    paymentType = serializers.CharField(source="payment_type")
    paymentProvider = serializers.CharField(source="payment_provider")
    paidAmount = serializers.SerializerMethodField()
    deliveryMethod = serializers.CharField(source="delivery_method")
    deliveryCost = MoneyField(source="delivery_money")
    smart = serializers.BooleanField(source="delivery_smart")
    totalToPay = serializers.SerializerMethodField()
    invoiceRequired = serializers.BooleanField(source="invoice_required")
    businessPurchase = serializers.BooleanField(source="is_business_purchase")
    companyName = serializers.CharField(source="company_name")
    lineItemCount = serializers.SerializerMethodField()

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_paidAmount(self, order: Order) -> dict[str, str] | None:
        return money_json(order.paid_amount, order.currency)

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_totalToPay(self, order: Order) -> dict[str, str] | None:
        return money_json(order.total_to_pay, order.currency)

    def get_lineItemCount(self, order: Order) -> int:
        return len(order.line_items.all())


class DeadlinesSerializer(serializers.Serializer):
    respondBy = serializers.DateTimeField(source="respond_by", allow_null=True)
    refundBy = serializers.DateTimeField(source="refund_by", allow_null=True)
    dueAt = serializers.DateTimeField(
        source="due_at", help_text="The earliest open deadline; sorts the queue."
    )
    overdue = serializers.SerializerMethodField()

    def get_overdue(self, case: RefundCase) -> bool:
        return case.is_open and case.due_at < timezone.now()


class AllowedTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=CaseStatus.choices)
    label = serializers.CharField()  # type: ignore[assignment]  # DRF pops declared fields off the class; only mypy sees a clash


class CaseDetailSerializer(CaseSummarySerializer):
    """A case with its items, order, buyer, deadlines and the moves the requesting user may make."""

    buyer = BuyerSerializer()
    order = OrderSummarySerializer()
    items = CaseItemSerializer(many=True)
    deadlines = DeadlinesSerializer(source="*")
    assignedTo = serializers.CharField(source="assigned_to.get_username", allow_null=True, default=None)
    createdAt = serializers.DateTimeField(source="created_at")
    allowedTransitions = serializers.SerializerMethodField(
        help_text="Statuses the requesting user may move the case to now (empty for read-only roles)."
    )

    @extend_schema_field(AllowedTransitionSerializer(many=True))
    def get_allowedTransitions(self, case: RefundCase) -> list[dict[str, str]]:
        allowed: list[CaseStatus] = self.context.get("allowed_transitions", [])
        return [{"to": status.value, "label": str(status.label)} for status in allowed]


class CasePageSerializer(serializers.Serializer):
    results = CaseSummarySerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="URL of the next page, or null on the last page.")


# --- events ------------------------------------------------------------------------------------------


class EventActorSerializer(serializers.Serializer):
    type = serializers.CharField(source="actor_type", help_text="USER, SYSTEM or MODEL.")
    label = serializers.CharField(source="actor_label")  # type: ignore[assignment]  # DRF pops declared fields off the class; only mypy sees a clash
    userId = serializers.IntegerField(source="actor_user_id", allow_null=True)


class CaseEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.CharField()
    actor = EventActorSerializer(source="*")
    fromStatus = serializers.CharField(source="from_status")
    toStatus = serializers.CharField(source="to_status")
    reason = serializers.CharField()
    payload = serializers.JSONField()
    createdAt = serializers.DateTimeField(source="created_at")


class CaseTimelineSerializer(serializers.Serializer):
    results = CaseEventSerializer(many=True)


# --- requests ----------------------------------------------------------------------------------------


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=CaseStatus.choices, help_text="The status to move the case to.")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    rejectionCode = serializers.ChoiceField(
        choices=[*ReturnRejectionCode.choices, *ClaimRejectionStatus.choices],
        required=False,
        help_text="Required with `to: REJECTED`, with a `reason` of 1 to 250 characters: Allegro's code, "
        "sent to Allegro with the reason (the buyer reads it).",
    )
    notice = serializers.CharField(
        required=False,
        max_length=THREAD_MESSAGE_MAX,
        help_text="With `to: REJECTED`: the notice the buyer gets, in their language (default: the notice the "
        "desk drafts from the decision and the policy, with how to contest it); at most 2,000 characters, "
        "the Message Center's limit.",
    )


class QueuePagingSerializer(serializers.Serializer):
    cursor = serializers.CharField(required=False, allow_blank=True, default="")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)


class TokenCredentialsSerializer(serializers.Serializer):
    # Taken as typed (no trimming): a login of spaces is a wrong login (401), not a malformed request.
    username = serializers.CharField(min_length=1, max_length=150, trim_whitespace=False)
    password = serializers.CharField(
        min_length=1, max_length=4096, trim_whitespace=False, style={"input_type": "password"}
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text='Send it as "Authorization: Token <token>". Shown only now.')
    expiry = serializers.DateTimeField(help_text="When the token stops working (API_TOKEN_DAYS after issue).")


# --- intake ------------------------------------------------------------------------------------------


class CaseFileSerializer(serializers.Serializer):
    """Documentation only: the body is validated by the intake service, which reports field paths."""

    order = serializers.DictField(help_text="An Allegro checkout form (GET /order/checkout-forms/{id}).")
    customerReturn = serializers.DictField(
        help_text="An Allegro customer return (GET /order/customer-returns/{id})."
    )


class IntakeResultSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["created", "updated", "unchanged", "rejected"])
    caseId = serializers.IntegerField(allow_null=True)
    externalId = serializers.CharField(help_text="The customer return id.")
    errors = FieldErrorSerializer(many=True)  # type: ignore[assignment]  # DRF pops declared fields off the class; only mypy sees a clash


class IntakeSummarySerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = IntakeResultSerializer(many=True, help_text="One per case file, in request order.")
