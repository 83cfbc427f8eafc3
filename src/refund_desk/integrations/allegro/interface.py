"""Typed Allegro payloads (pydantic v2), in the shapes of the official REST API spec.

Only the fields Refund Desk uses are declared; unknown fields are ignored and unknown enum-like
values are kept as plain strings, so a new value on Allegro's side never breaks an import or a sync.

Allegro's data is treated with the same suspicion as an uploaded file: every amount has at most two
decimals and stays far inside what the database stores, prices are positive, costs never negative,
quantities and strings bounded by their columns. Limits that depend on the currency (the largest line and
order) are checked by the intake (`intake.common.order_consistency`), from settings.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from refund_desk.core.money import MAX_QUANTITY, SUPPORTED_CURRENCIES, Money


class AllegroModel(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


def _float_as_text(value: object) -> object:
    """Allegro sends some amounts as JSON numbers: go through str so that 0.1 stays exactly 0.1."""
    return str(value) if isinstance(value, float) else value


# Far above any real order (the intake's per-currency limits are lower) and far inside NUMERIC(14, 2).
AMOUNT_CEILING = Decimal("1000000000")


def _finite(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("amount must be a finite decimal number")
    # The ceiling first: quantizing a number of more than 28 digits raises InvalidOperation.
    if abs(value) >= AMOUNT_CEILING:
        raise ValueError(f"amount must be below {AMOUNT_CEILING:,}")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and value != value.quantize(Decimal("0.01")):
        raise ValueError("amount has more than two decimals")
    return value


def _finite_not_negative(value: Decimal) -> Decimal:
    value = _finite(value)
    if value < 0:
        raise ValueError("amount must not be negative")
    return value


def _positive(value: Decimal) -> Decimal:
    value = _finite(value)
    if value <= 0:
        raise ValueError("amount must be more than 0")
    return value


def _text(max_length: int) -> object:
    return StringConstraints(max_length=max_length)


# Strings as long as the columns that keep them.
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
OptionalId = Annotated[str, StringConstraints(max_length=64)]
Short = Annotated[str, StringConstraints(max_length=40)]
Login = Annotated[str, StringConstraints(max_length=100)]
Email = Annotated[str, StringConstraints(max_length=254)]
Name = Annotated[str, StringConstraints(max_length=300)]
Comment = Annotated[str, StringConstraints(max_length=5000)]
Quantity = Annotated[int, Field(gt=0, le=MAX_QUANTITY)]


def _known_currency(value: str) -> str:
    if value not in SUPPORTED_CURRENCIES:
        raise ValueError(f"unknown currency {value!r}; expected one of {', '.join(SUPPORTED_CURRENCIES)}")
    return value


# A decimal amount as Allegro sends it (a string, sometimes a JSON number), and a supported currency.
JsonDecimal = Annotated[Decimal, BeforeValidator(_float_as_text)]
Currency = Annotated[str, AfterValidator(_known_currency)]


class Price(AllegroModel):
    """Allegro's money shape: {"amount": "12.30", "currency": "PLN"}; never negative."""

    amount: Annotated[JsonDecimal, AfterValidator(_finite_not_negative)]
    currency: Currency

    def money(self) -> Money:
        return Money(self.amount, self.currency)


class PositivePrice(Price):
    """A price something was sold for: more than 0."""

    amount: Annotated[JsonDecimal, AfterValidator(_positive)]


class Marketplace(AllegroModel):
    id: Short


class OfferRef(AllegroModel):
    id: Id
    name: Name = ""


class CheckoutFormBuyer(AllegroModel):
    id: Id
    login: Login
    email: Email = ""
    guest: bool = False
    companyName: Name | None = None


class CheckoutFormPayment(AllegroModel):
    id: OptionalId | None = None
    type: Annotated[str, _text(32)] | None = None
    provider: Annotated[str, _text(32)] | None = None
    finishedAt: datetime | None = None
    paidAmount: Price | None = None


class DeliveryMethod(AllegroModel):
    id: OptionalId | None = None
    name: Annotated[str, _text(200)] | None = None


class CheckoutFormDelivery(AllegroModel):
    method: DeliveryMethod | None = None
    cost: Price | None = None
    smart: bool = False


class CompanyId(AllegroModel):
    type: Short
    value: Login


class InvoiceCompany(AllegroModel):
    name: Name | None = None
    ids: list[CompanyId] = Field(default_factory=list, max_length=20)


class InvoiceAddress(AllegroModel):
    company: InvoiceCompany | None = None


class CheckoutFormInvoice(AllegroModel):
    required: bool = False
    address: InvoiceAddress | None = None


class LineItem(AllegroModel):
    id: Id
    offer: OfferRef
    quantity: Quantity
    originalPrice: Price | None = None
    price: PositivePrice
    boughtAt: datetime | None = None


class CheckoutFormSummary(AllegroModel):
    totalToPay: Price | None = None


class CheckoutForm(AllegroModel):
    """GET /order/checkout-forms/{id} (components.schemas.CheckoutForm)."""

    id: Id
    status: Annotated[str, _text(32)] = ""
    buyer: CheckoutFormBuyer
    payment: CheckoutFormPayment | None = None
    delivery: CheckoutFormDelivery | None = None
    invoice: CheckoutFormInvoice | None = None
    lineItems: list[LineItem] = Field(min_length=1, max_length=1000)
    marketplace: Marketplace | None = None
    summary: CheckoutFormSummary | None = None
    updatedAt: datetime | None = None
    revision: OptionalId | None = None
    surcharges: list[dict[str, object]] = Field(default_factory=list)
    discounts: list[dict[str, object]] = Field(default_factory=list)

    @property
    def company(self) -> InvoiceCompany | None:
        if self.invoice and self.invoice.address and self.invoice.address.company:
            return self.invoice.address.company
        return None


class ReturnReason(AllegroModel):
    type: Short = "NONE"
    userComment: Comment | None = None


class CustomerReturnItem(AllegroModel):
    offerId: Id
    quantity: Quantity
    name: Name = ""
    price: PositivePrice | None = None
    reason: ReturnReason | None = None


class ReturnBuyer(AllegroModel):
    email: Email = ""
    login: Login


class ReturnParcel(AllegroModel):
    createdAt: datetime | None = None
    waybill: Annotated[str, _text(100)] | None = None
    transportingWaybill: Annotated[str, _text(100)] | None = None
    carrierId: OptionalId | None = None
    transportingCarrierId: OptionalId | None = None


class ReturnRejection(AllegroModel):
    code: Annotated[str, _text(30)]
    reason: Annotated[str, _text(300)] | None = None
    createdAt: datetime | None = None


class BankAccount(AllegroModel):
    owner: Annotated[str, _text(140)] | None = None
    accountNumber: Annotated[str, _text(42)] | None = None
    iban: Annotated[str, _text(42)] | None = None
    swift: Annotated[str, _text(11)] | None = None


class ReturnRefund(AllegroModel):
    bankAccount: BankAccount | None = None


class CustomerReturn(AllegroModel):
    """GET /order/customer-returns/{id} (components.schemas.CustomerReturn)."""

    id: Id
    referenceNumber: OptionalId | None = None
    orderId: Id
    createdAt: datetime
    isFulfillment: bool = False
    marketplaceId: Short | None = None
    buyer: ReturnBuyer
    items: list[CustomerReturnItem] = Field(min_length=1, max_length=1000)
    refund: ReturnRefund | None = None
    parcels: list[ReturnParcel] = Field(default_factory=list, max_length=50)
    rejection: ReturnRejection | None = None
    status: Short = "CREATED"


# --- Post-purchase issues (GET /sale/issues/{issueId}, components.schemas.PostPurchaseIssue) ----------


class PostPurchaseIssueUser(AllegroModel):
    id: OptionalId | None = None
    login: Login | None = None


class PostPurchaseIssueCheckoutForm(AllegroModel):
    id: Id
    createdAt: datetime | None = None


class PostPurchaseIssueState(AllegroModel):
    status: Short | None = None
    statusDueDate: datetime | None = None
    returnRequired: bool | None = None
    chatActive: bool = True


class PostPurchaseIssueOffer(AllegroModel):
    id: OptionalId | None = None
    quantity: Quantity | None = None


class PostPurchaseIssueRefund(Price):
    """Expected refund of a claim; Allegro sends the amount as a string (components.schemas.PostPurchaseIssueRefund)."""


class PostPurchaseIssueExpectation(AllegroModel):
    name: Short | None = None  # REPAIR | EXCHANGE | REFUND | PARTIAL_REFUND; null for disputes
    refund: PostPurchaseIssueRefund | None = None


class PostPurchaseIssueReason(AllegroModel):
    type: Short | None = None
    description: Comment | None = None


class PostPurchaseIssue(AllegroModel):
    """A dispute (DISPUTE) or a formal complaint (CLAIM) about an order."""

    id: Id
    type: Short  # DISPUTE | CLAIM
    referenceNumber: OptionalId | None = None
    decisionDueDate: datetime | None = None
    openedDate: datetime | None = None
    subject: Name | None = None
    buyer: PostPurchaseIssueUser | None = None
    checkoutForm: PostPurchaseIssueCheckoutForm
    currentState: PostPurchaseIssueState | None = None
    expectations: list[PostPurchaseIssueExpectation] = Field(default_factory=list, max_length=20)
    description: Comment | None = None
    offer: PostPurchaseIssueOffer | None = None
    reason: PostPurchaseIssueReason | None = None
    right: Short | None = None  # WARRANTY | COMPLAINT, claims only

    @property
    def status(self) -> str | None:
        return self.currentState.status if self.currentState else None

    @property
    def due_date(self) -> datetime | None:
        """Allegro's deadline for accepting or rejecting a claim (decisionDueDate, else statusDueDate)."""
        if self.decisionDueDate is not None:
            return self.decisionDueDate
        return self.currentState.statusDueDate if self.currentState else None
