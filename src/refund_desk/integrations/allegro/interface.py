"""Typed Allegro payloads (pydantic v2), in the shapes of the official REST API spec.

Only the fields Refund Desk uses are declared; unknown fields are ignored and unknown enum-like
values are kept as plain strings, so a new value on Allegro's side never breaks an import or a sync.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from refund_desk.core.money import SUPPORTED_CURRENCIES, Money


class AllegroModel(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


def _float_as_text(value: object) -> object:
    """Allegro sends some amounts as JSON numbers: go through str so that 0.1 stays exactly 0.1."""
    return str(value) if isinstance(value, float) else value


def _finite(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("amount must be a finite decimal number")
    return value


def _finite_not_negative(value: Decimal) -> Decimal:
    if not value.is_finite() or value < 0:
        raise ValueError("amount must be a finite, non-negative decimal number")
    return value


def _known_currency(value: str) -> str:
    if value not in SUPPORTED_CURRENCIES:
        raise ValueError(f"unknown currency {value!r}; expected one of {', '.join(SUPPORTED_CURRENCIES)}")
    return value


# A decimal amount as Allegro sends it (a string, sometimes a JSON number), and a supported currency.
JsonDecimal = Annotated[Decimal, BeforeValidator(_float_as_text)]
Currency = Annotated[str, AfterValidator(_known_currency)]


class Price(AllegroModel):
    """Allegro's money shape: {"amount": "12.30", "currency": "PLN"}."""

    amount: Annotated[JsonDecimal, AfterValidator(_finite)]
    currency: Currency

    def money(self) -> Money:
        return Money(self.amount, self.currency)


class Marketplace(AllegroModel):
    id: str


class OfferRef(AllegroModel):
    id: str
    name: str = ""


class CheckoutFormBuyer(AllegroModel):
    id: str
    login: str
    email: str = ""
    guest: bool = False
    companyName: str | None = None


class CheckoutFormPayment(AllegroModel):
    id: str | None = None
    type: str | None = None
    provider: str | None = None
    finishedAt: datetime | None = None
    paidAmount: Price | None = None


class DeliveryMethod(AllegroModel):
    id: str | None = None
    name: str | None = None


class CheckoutFormDelivery(AllegroModel):
    method: DeliveryMethod | None = None
    cost: Price | None = None
    smart: bool = False


class CompanyId(AllegroModel):
    type: str
    value: str


class InvoiceCompany(AllegroModel):
    name: str | None = None
    ids: list[CompanyId] = Field(default_factory=list)


class InvoiceAddress(AllegroModel):
    company: InvoiceCompany | None = None


class CheckoutFormInvoice(AllegroModel):
    required: bool = False
    address: InvoiceAddress | None = None


class LineItem(AllegroModel):
    id: str
    offer: OfferRef
    quantity: int = Field(gt=0)
    originalPrice: Price | None = None
    price: Price
    boughtAt: datetime | None = None


class CheckoutFormSummary(AllegroModel):
    totalToPay: Price | None = None


class CheckoutForm(AllegroModel):
    """GET /order/checkout-forms/{id} (components.schemas.CheckoutForm)."""

    id: str
    status: str = ""
    buyer: CheckoutFormBuyer
    payment: CheckoutFormPayment | None = None
    delivery: CheckoutFormDelivery | None = None
    invoice: CheckoutFormInvoice | None = None
    lineItems: list[LineItem] = Field(min_length=1)
    marketplace: Marketplace | None = None
    summary: CheckoutFormSummary | None = None
    updatedAt: datetime | None = None
    revision: str | None = None

    @property
    def company(self) -> InvoiceCompany | None:
        if self.invoice and self.invoice.address and self.invoice.address.company:
            return self.invoice.address.company
        return None


class ReturnReason(AllegroModel):
    type: str = "NONE"
    userComment: str | None = None


class CustomerReturnItem(AllegroModel):
    offerId: str
    quantity: int = Field(gt=0)
    name: str = ""
    price: Price | None = None
    reason: ReturnReason | None = None


class ReturnBuyer(AllegroModel):
    email: str = ""
    login: str


class ReturnParcel(AllegroModel):
    createdAt: datetime | None = None
    waybill: str | None = None
    transportingWaybill: str | None = None
    carrierId: str | None = None
    transportingCarrierId: str | None = None


class ReturnRejection(AllegroModel):
    code: str
    reason: str | None = None
    createdAt: datetime | None = None


class BankAccount(AllegroModel):
    owner: str | None = None
    accountNumber: str | None = None
    iban: str | None = None
    swift: str | None = None


class ReturnRefund(AllegroModel):
    bankAccount: BankAccount | None = None


class CustomerReturn(AllegroModel):
    """GET /order/customer-returns/{id} (components.schemas.CustomerReturn)."""

    id: str
    referenceNumber: str | None = None
    orderId: str
    createdAt: datetime
    isFulfillment: bool = False
    marketplaceId: str | None = None
    buyer: ReturnBuyer
    items: list[CustomerReturnItem] = Field(min_length=1)
    refund: ReturnRefund | None = None
    parcels: list[ReturnParcel] = Field(default_factory=list)
    rejection: ReturnRejection | None = None
    status: str = "CREATED"


# --- Post-purchase issues (GET /sale/issues/{issueId}, components.schemas.PostPurchaseIssue) ----------


class PostPurchaseIssueUser(AllegroModel):
    id: str | None = None
    login: str | None = None


class PostPurchaseIssueCheckoutForm(AllegroModel):
    id: str
    createdAt: datetime | None = None


class PostPurchaseIssueState(AllegroModel):
    status: str | None = None
    statusDueDate: datetime | None = None
    returnRequired: bool | None = None
    chatActive: bool = True


class PostPurchaseIssueOffer(AllegroModel):
    id: str | None = None
    quantity: int | None = Field(default=None, ge=1)


class PostPurchaseIssueRefund(Price):
    """Expected refund of a claim; Allegro sends the amount as a string (components.schemas.PostPurchaseIssueRefund)."""

    amount: Annotated[JsonDecimal, AfterValidator(_finite_not_negative)]


class PostPurchaseIssueExpectation(AllegroModel):
    name: str | None = None  # REPAIR | EXCHANGE | REFUND | PARTIAL_REFUND; null for disputes
    refund: PostPurchaseIssueRefund | None = None


class PostPurchaseIssueReason(AllegroModel):
    type: str | None = None
    description: str | None = None


class PostPurchaseIssue(AllegroModel):
    """A dispute (DISPUTE) or a formal complaint (CLAIM) about an order."""

    id: str
    type: str  # DISPUTE | CLAIM
    referenceNumber: str | None = None
    decisionDueDate: datetime | None = None
    openedDate: datetime | None = None
    subject: str | None = None
    buyer: PostPurchaseIssueUser | None = None
    checkoutForm: PostPurchaseIssueCheckoutForm
    currentState: PostPurchaseIssueState | None = None
    expectations: list[PostPurchaseIssueExpectation] = Field(default_factory=list)
    description: str | None = None
    offer: PostPurchaseIssueOffer | None = None
    reason: PostPurchaseIssueReason | None = None
    right: str | None = None  # WARRANTY | COMPLAINT, claims only

    @property
    def status(self) -> str | None:
        return self.currentState.status if self.currentState else None

    @property
    def due_date(self) -> datetime | None:
        """Allegro's deadline for accepting or rejecting a claim (decisionDueDate, else statusDueDate)."""
        if self.decisionDueDate is not None:
            return self.decisionDueDate
        return self.currentState.statusDueDate if self.currentState else None
